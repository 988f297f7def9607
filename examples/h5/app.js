/* The wxgate H5 example: WeChat login through the gateway, then the JS-SDK.
 * Plain ES5 so that it runs in WeChat's built-in browser as it is. Every value that comes from
 * a user (nickname, scan results) is shown with textContent, never as markup. */
(function () {
  "use strict";
  var body = document.body;
  var account = body.getAttribute("data-account");
  var gateway = body.getAttribute("data-gateway") || "";
  var sessionUrl = body.getAttribute("data-session");
  var JS_APIS = ["updateAppMessageShareData", "updateTimelineShareData", "scanQRCode",
    "chooseImage", "getLocation", "getNetworkType"];

  function $(id) { return document.getElementById(id); }
  function log(line) {
    var el = $("log");
    el.textContent = line + "\n" + el.textContent;
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error((body && body.message) || ("HTTP " + r.status)); }
        return body;
      });
    });
  }
  function extend(a, b) {
    var out = {}, k;
    for (k in a) { if (a.hasOwnProperty(k)) { out[k] = a[k]; } }
    for (k in b) { if (b.hasOwnProperty(k)) { out[k] = b[k]; } }
    return out;
  }
  function param(name) {
    var match = new RegExp("[?&]" + name + "=([^&#]*)").exec(location.search);
    return match ? decodeURIComponent(match[1].replace(/\+/g, " ")) : null;
  }

  // ---- WeChat login -------------------------------------------------------------------
  function showUser(login) {
    var user = login.user || {};
    $("login").hidden = true;
    $("profile").hidden = false;
    $("nickname").textContent = user.nickname || "(snsapi_base: no profile)";
    $("openid").textContent = "openid " + login.openid;
    if (/^https?:\/\//.test(user.headimgurl || "")) { $("avatar").src = user.headimgurl; }
  }

  $("login-button").onclick = function () {
    var back = location.origin + location.pathname;
    location.href = gateway + "/oauth/" + encodeURIComponent(account) + "/login?scope=snsapi_userinfo&redirect=" +
      encodeURIComponent(back);
  };

  var stored = sessionStorage.getItem("wxgate-login");
  var ticket = param("wxgate_ticket");
  if (param("wxgate_error")) { log("login: " + param("wxgate_error")); }
  if (ticket) {
    // The backend redeems the one-time ticket; the URL loses it so a reload does not retry.
    history.replaceState(null, "", location.pathname);
    getJson(sessionUrl + "?ticket=" + encodeURIComponent(ticket)).then(function (login) {
      sessionStorage.setItem("wxgate-login", JSON.stringify(login));
      showUser(login);
      log("logged in as " + login.openid);
    }, function (e) { log("login failed: " + e.message); });
  } else if (stored) {
    try { showUser(JSON.parse(stored)); } catch (e) { sessionStorage.removeItem("wxgate-login"); }
  }

  // ---- JS-SDK -------------------------------------------------------------------------
  function status(text, cls) {
    var el = $("sdk-status");
    el.textContent = text;
    el.className = "badge " + (cls || "");
  }
  function enable(on) {
    ["share", "scan", "photo", "location"].forEach(function (id) { $(id).disabled = !on; });
  }
  if (typeof wx === "undefined") {
    status("no jweixin script", "error");
    return;
  }
  var pageUrl = location.href.split("#")[0];
  getJson(gateway + "/jssdk/" + encodeURIComponent(account) + "/config?url=" + encodeURIComponent(pageUrl) +
    "&jsApiList=" + JS_APIS.join(",")).then(function (config) {
    wx.config({
      debug: false,
      appId: config.appId,
      timestamp: config.timestamp,
      nonceStr: config.nonceStr,
      signature: config.signature,
      jsApiList: JS_APIS
    });
  }, function (e) { status("no config", "error"); log("jssdk config: " + e.message); });

  wx.ready(function () {
    status("ready", "ok");
    enable(true);
  });
  wx.error(function (res) {
    status(res.errMsg, "error");
    log("wx.config: " + res.errMsg);
  });

  $("share").onclick = function () {
    var card = {
      title: "wxgate H5 example",
      desc: "Shared from the wxgate example page",
      link: pageUrl,
      imgUrl: location.origin + "/demo/img/spring.png"
    };
    var done = function (what) {
      return { success: function () { log(what + ": share card set"); }, fail: function (r) { log(what + ": " + r.errMsg); } };
    };
    wx.updateAppMessageShareData(extend(card, done("chat")));
    wx.updateTimelineShareData(extend(card, done("moments")));
  };
  $("scan").onclick = function () {
    wx.scanQRCode({
      needResult: 1,
      scanType: ["qrCode", "barCode"],
      success: function (res) { log("scanned: " + res.resultStr); },
      fail: function (r) { log("scan: " + r.errMsg); }
    });
  };
  $("photo").onclick = function () {
    wx.chooseImage({
      count: 1,
      sourceType: ["camera", "album"],
      success: function (res) { log("photo: " + res.localIds.join(", ")); },
      fail: function (r) { log("photo: " + r.errMsg); }
    });
  };
  $("location").onclick = function () {
    wx.getLocation({
      type: "gcj02",
      success: function (res) { log("location: " + res.latitude + ", " + res.longitude + " (±" + res.accuracy + " m)"); },
      fail: function (r) { log("location: " + r.errMsg); }
    });
  };
})();
