/*
 * wxgate sandbox: a stand-in for WeChat's jweixin-1.6.0.js (the JS-SDK), for pages opened in an
 * ordinary browser against the sandbox. Plain ES5, no dependencies.
 *
 * wx.config sends the page's URL (without the fragment) and the signed fields to the sandbox that
 * served this script; the sandbox checks the app's JS safe domains and the signature against its
 * jsapi ticket, like the WeChat client. Then wx.ready / wx.error callbacks run with WeChat's own
 * messages. The share APIs record the card in the sandbox; scanQRCode, chooseImage, getLocation
 * and getNetworkType answer with the values the sandbox holds for the app (set in its console).
 * APIs called before the config passed, or not in jsApiList, fail with "<api>:permission denied".
 *
 * See https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html
 */
(function (global) {
  "use strict";

  var base = (function () {
    var script = document.currentScript;
    if (!script) {
      var all = document.getElementsByTagName("script");
      for (var i = all.length - 1; i >= 0; i--) {
        if (/\/open\/js\/jweixin-1\.6\.0\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
      }
    }
    var match = script && /^(https?:\/\/[^\/]+)/.exec(script.src);
    return match ? match[1] : "";
  })();

  var SUPPORTED = ["updateAppMessageShareData", "updateTimelineShareData", "onMenuShareAppMessage",
    "onMenuShareTimeline", "scanQRCode", "chooseImage", "getLocation", "getNetworkType"];

  // "idle" before wx.config, then "pending", then "ready" or "failed".
  var state = { phase: "idle", appId: "", session: "", debug: false, result: null };
  var readyQueue = [];
  var errorQueue = [];

  function log(what, res) {
    if (state.debug && global.console && global.console.log) global.console.log("[wx] " + what, res);
  }

  function post(path, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", base + path, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 200 && data && typeof data.errMsg === "string") { done(data); return; }
      var why = data && data.error ? data.error : "HTTP " + xhr.status;
      done({ errMsg: body.api ? body.api + ":fail, " + why : "config:fail, " + why });
    };
    xhr.send(JSON.stringify(body));
  }

  function call(fn, res) {
    if (typeof fn === "function") {
      try { fn(res); } catch (e) { setTimeout(function () { throw e; }, 0); }
    }
  }

  // Runs WeChat's callback convention: success or fail (cancel for ":cancel"), then complete.
  function settle(api, options, res) {
    options = options || {};
    log(api, res);
    var msg = res.errMsg || "";
    if (msg === api + ":ok") call(options.success, res);
    else if (msg === api + ":cancel") call(options.cancel, res);
    else call(options.fail, res);
    call(options.complete, res);
  }

  function invoke(api, options, args) {
    if (state.phase !== "ready" || !state.allowed[api]) {
      var denied = { errMsg: api + ":permission denied" };
      setTimeout(function () { settle(api, options, denied); }, 0);
      return;
    }
    post("/sandbox/jssdk/invoke", { appId: state.appId, session: state.session, api: api, args: args },
      function (res) { settle(api, options, res); });
  }

  function pick(options, keys) {
    var out = {};
    options = options || {};
    for (var i = 0; i < keys.length; i++) {
      if (options[keys[i]] !== undefined) out[keys[i]] = options[keys[i]];
    }
    return out;
  }

  var wx = {
    config: function (options) {
      options = options || {};
      state.phase = "pending";
      state.debug = !!options.debug;
      state.appId = String(options.appId || "");
      var list = options.jsApiList || [];
      state.allowed = {};
      for (var i = 0; i < list.length; i++) state.allowed[list[i]] = true;
      var url = String(global.location.href).split("#")[0];
      post("/sandbox/jssdk/config", {
        appId: state.appId, url: url, timestamp: options.timestamp, nonceStr: options.nonceStr,
        signature: options.signature, jsApiList: list
      }, function (res) {
        log("config", res);
        if (res.errMsg === "config:ok") {
          state.phase = "ready";
          state.session = res.session;
          state.result = null;
          var ready = readyQueue;
          readyQueue = [];
          for (var r = 0; r < ready.length; r++) call(ready[r]);
        } else {
          state.phase = "failed";
          state.result = { errMsg: res.errMsg };
          var failed = errorQueue;
          errorQueue = [];
          for (var f = 0; f < failed.length; f++) call(failed[f], state.result);
        }
      });
    },
    ready: function (fn) {
      if (state.phase === "ready") setTimeout(function () { call(fn); }, 0);
      else readyQueue.push(fn);
    },
    error: function (fn) {
      if (state.phase === "failed") {
        var result = state.result;
        setTimeout(function () { call(fn, result); }, 0);
      } else {
        errorQueue.push(fn);
      }
    },
    checkJsApi: function (options) {
      options = options || {};
      var list = options.jsApiList || [];
      var result = {};
      for (var i = 0; i < list.length; i++) result[list[i]] = SUPPORTED.indexOf(list[i]) >= 0;
      var res = { errMsg: "checkJsApi:ok", checkResult: result };
      setTimeout(function () { settle("checkJsApi", options, res); }, 0);
    },
    updateAppMessageShareData: function (o) {
      invoke("updateAppMessageShareData", o, pick(o, ["title", "desc", "link", "imgUrl"]));
    },
    updateTimelineShareData: function (o) {
      invoke("updateTimelineShareData", o, pick(o, ["title", "link", "imgUrl"]));
    },
    onMenuShareAppMessage: function (o) {
      invoke("onMenuShareAppMessage", o, pick(o, ["title", "desc", "link", "imgUrl", "type", "dataUrl"]));
    },
    onMenuShareTimeline: function (o) {
      invoke("onMenuShareTimeline", o, pick(o, ["title", "link", "imgUrl"]));
    },
    scanQRCode: function (o) { invoke("scanQRCode", o, pick(o, ["needResult", "scanType"])); },
    chooseImage: function (o) { invoke("chooseImage", o, pick(o, ["count", "sizeType", "sourceType"])); },
    getLocation: function (o) { invoke("getLocation", o, pick(o, ["type"])); },
    getNetworkType: function (o) { invoke("getNetworkType", o, {}); }
  };

  global.wx = global.jWeixin = wx;
})(window);
