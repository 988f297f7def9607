#!/usr/bin/env python3
"""Calls WeChat's API through the wxgate proxy, with Python's standard library only.

The service never sees an access_token: it sends a bearer key from wxgate's
`server.api_keys`, and wxgate adds the account's current token, refreshing it
when WeChat rejects it.

Usage:
    WXGATE_URL=http://127.0.0.1:8080 WXGATE_KEY=... [WXGATE_ACCOUNT=main] \\
        python3 wxgate_proxy.py

It prints the followers (`cgi-bin/user/get`), sets a one-button menu
(`cgi-bin/menu/create`) and prints the menu WeChat then holds (`cgi-bin/menu/get`).
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class WechatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode, errmsg):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WxgateError(Exception):
    """wxgate refused the call (401, 403, 400, 404, 502, 503)."""


class WechatProxy:
    """A WeChat API client that goes through wxgate's proxy."""

    def __init__(self, base_url, api_key, account="main", timeout=30):
        self.base = f"{base_url.rstrip('/')}/v1/accounts/{urllib.parse.quote(account)}/wechat/"
        self.api_key = api_key
        self.timeout = timeout

    def call(self, path, query=None, body=None):
        """GET `path` (POST when `body` is given, as JSON); WeChat's JSON answer."""
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if body is not None:
            # WeChat wants raw UTF-8, not \\uXXXX escapes.
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                quota = response.headers.get("X-Wxgate-Quota-Exhausted")
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise WxgateError(f"wxgate answered {error.code}: {detail}") from None
        if quota:
            print(f"note: the daily quota of {quota} is used up", file=sys.stderr)
        if answer.get("errcode", 0) != 0:
            raise WechatError(answer["errcode"], answer.get("errmsg", ""))
        return answer

    def followers(self):
        """Every follower's openid, page after page."""
        openids, next_openid = [], ""
        while True:
            page = self.call("cgi-bin/user/get", {"next_openid": next_openid})
            openids += page.get("data", {}).get("openid", [])
            next_openid = page.get("next_openid", "")
            if not next_openid or len(openids) >= page.get("total", 0):
                return openids

    def set_menu(self, menu):
        """Replaces the custom menu."""
        self.call("cgi-bin/menu/create", body=menu)

    def menu(self):
        """The menu WeChat holds."""
        return self.call("cgi-bin/menu/get")


def main():
    base_url = os.environ.get("WXGATE_URL", "http://127.0.0.1:8080")
    api_key = os.environ.get("WXGATE_KEY")
    if not api_key:
        print("set WXGATE_KEY to one of wxgate's server.api_keys", file=sys.stderr)
        return 2
    wechat = WechatProxy(base_url, api_key, os.environ.get("WXGATE_ACCOUNT", "main"))
    try:
        followers = wechat.followers()
        print(f"followers: {len(followers)}")
        for openid in followers:
            print(f"  {openid}")
        wechat.set_menu(
            {"button": [{"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"}]}
        )
        buttons = wechat.menu()["menu"]["button"]
        print("menu: " + ", ".join(f"{b['name']} ({b.get('key', b.get('url', ''))})" for b in buttons))
    except (WechatError, WxgateError, urllib.error.URLError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
