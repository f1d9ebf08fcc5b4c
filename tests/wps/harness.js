"use strict";
/*
 * Runs the add-in as WPS would: config.js and main.js as classic scripts in one global
 * scope (a node vm context) holding the fake Application, alert() and an
 * XMLHttpRequest that really goes over HTTP (node's http module) to the server.
 */

const fs = require("fs");
const http = require("http");
const path = require("path");
const vm = require("vm");

/** The browser's XMLHttpRequest, as far as the add-in uses it, over node's http. */
class XMLHttpRequest {
  constructor() {
    this.status = 0;
    this.responseText = "";
    this.timeout = 0;
    this.onload = null;
    this.onerror = null;
    this.ontimeout = null;
    this._headers = {};
  }

  open(method, url, async) {
    if (async !== true) throw new Error("the add-in must not block WPS with a synchronous request");
    this._method = method;
    this._url = new URL(url);
  }

  setRequestHeader(name, value) { this._headers[name] = value; }

  send(body) {
    const data = Buffer.from(body || "", "utf8");
    const req = http.request({
      method: this._method, hostname: this._url.hostname, port: this._url.port, path: this._url.pathname,
      // a page served by the xltool server posts to its own origin (same-origin)
      headers: { ...this._headers, "Content-Length": data.length, Origin: this._url.origin },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        this.status = res.statusCode;
        this.responseText = Buffer.concat(chunks).toString("utf8");
        if (this.onload) this.onload();
      });
    });
    if (this.timeout) {
      req.setTimeout(this.timeout, () => { req.destroy(); if (this.ontimeout) this.ontimeout(); });
    }
    req.on("error", () => { this.status = 0; if (this.onerror) this.onerror(); });
    req.end(data);
  }
}

/** Load the add-in folder into a fresh global scope around `app`; returns {click, alerts, context}. */
function loadAddin(folder, app, server) {
  const html = fs.readFileSync(path.join(folder, "index.html"), "utf8");
  const scripts = scriptNames(html).map((name) => fs.readFileSync(path.join(folder, name), "utf8"));
  return start(scripts, app, server, undefined);
}

/** The scripts index.html loads, in order (as WPS runs them). */
function scriptNames(html) {
  return [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
}

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString("utf8"))
        : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    }).on("error", reject);
  });
}

/** The add-in as WPS loads it from `xltool serve`: index.html's scripts fetched from <server>/wps/. */
async function loadServedAddin(server, app) {
  const base = `${server}/wps/`;
  const html = await get(base);
  const scripts = await Promise.all(scriptNames(html).map((name) => get(base + name)));
  const url = new URL(base);
  return start(scripts, app, undefined, { protocol: url.protocol, host: url.host, href: base });
}

function start(scripts, app, server, location) {
  const alerts = [];
  const context = { Application: app, XMLHttpRequest, alert: (text) => alerts.push(String(text)), console };
  if (location) context.location = location;
  vm.createContext(context);
  scripts.forEach((code, i) => vm.runInContext(code, context, { filename: `script${i}.js` }));
  if (server !== undefined) context.XLTOOL_CONFIG.server = server;
  /** Click a ribbon button (XltoolWps.run, what OnAction calls); resolves with the message shown. */
  function click(id) {
    return new Promise((resolve) => {
      context.XltoolWps.run(id, (err, message) => resolve({ err, message, shown: alerts[alerts.length - 1] }));
    });
  }
  return { click, alerts, context };
}

module.exports = { loadAddin, loadServedAddin, XMLHttpRequest };
