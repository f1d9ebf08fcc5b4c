"use strict";
/*
 * The WPS add-in's main.js against the fake object model and the real `xltool serve`.
 *
 * Driven by tests/test_wps_addin.py, which writes the case file (XLTOOL_WPS_CASE): the
 * workbook's cells, the server's address, and what `python -m xltool validate --json`
 * reported for the same workbook turned into the expected fills, notes and results rows
 * by xltool's own Python functions (so the JavaScript port is checked against them).
 */

const assert = require("assert");
const fs = require("fs");
const test = require("node:test");

const { loadAddin, loadServedAddin } = require("./harness");
const { makeApp, snapshot, DECLARED } = require("./fake_wps");

const CASE = JSON.parse(fs.readFileSync(process.env.XLTOOL_WPS_CASE, "utf8"));

function bgr(hex) {
  const v = parseInt(hex.slice(1), 16);
  return ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);
}

/** The case's workbook with the user's own fills and notes on it. */
function freshApp(active) {
  const app = makeApp(CASE.workbook);
  for (const m of CASE.userMarks) {
    const range = app.ActiveWorkbook.Worksheets.Item(m.sheet).Range(m.cell);
    if (m.fill) range.Interior.Color = bgr(m.fill);
    if (m.note) { range.AddComment(m.note); range._first().comment.author = m.author; }
  }
  app.ActiveWorkbook.Worksheets.Item(active || CASE.projectSheets[0]).Activate();
  return app;
}

function cellsOf(app, sheet) {
  return snapshot(app)[sheet].cells;
}

function assertMarked(app, expected) {
  for (const [where, want] of Object.entries(expected)) {
    const [sheet, cell] = where.split("!");
    const got = cellsOf(app, sheet)[cell];
    assert.ok(got, `${where} is not marked`);
    assert.strictEqual(got.fill, bgr(want.fill), `${where} fill`);
    assert.ok(got.comment, `${where} has no note`);
    assert.strictEqual(got.comment.text, want.note, `${where} note`);
  }
}

/** Every non-empty cell of the results sheet, by address, as its value (formulas shown as their text). */
function resultsRows(app, name) {
  const sheet = app.ActiveWorkbook.Worksheets.Item(name);
  const used = sheet.UsedRange;
  return used.Value2.map((row) => row.map((v) => (v === undefined ? null : v)));
}

function assertResults(app, rows) {
  const got = resultsRows(app, "校验结果");
  assert.deepStrictEqual(got, rows.map((row) => row.map((v) => (v === "" ? null : v))));
}

function originalSheets(snap) {
  const out = {};
  for (const name of CASE.workbook.sheets.map((s) => s.name)) out[name] = snap[name];
  return out;
}

test("校验全部 marks exactly the cells the CLI reports; 清除标记 restores every fill and note", async () => {
  const app = freshApp();
  const before = snapshot(app);
  const { click } = loadAddin(CASE.addin, app, CASE.server);
  const done = await click("xltoolValidateWorkbook");
  assert.strictEqual(done.err, null, done.err);
  assert.strictEqual(done.message, CASE.expected.all.message);
  assert.strictEqual(done.shown, done.message, "the message is shown to the user");
  assertMarked(app, CASE.expected.all.cells);
  // nothing else changed on the project sheets: unflagged cells keep value, fill and note
  const after = snapshot(app);
  for (const name of CASE.projectSheets) {
    for (const [cell, was] of Object.entries(before[name].cells)) {
      if (`${name}!${cell}` in CASE.expected.all.cells) {
        assert.deepStrictEqual(after[name].cells[cell].value, was.value);
      } else {
        assert.deepStrictEqual(after[name].cells[cell], was, `${name}!${cell} changed`);
      }
    }
  }
  assertResults(app, CASE.expected.all.results);
  const results = cellsOf(app, "校验结果");
  CASE.expected.all.levelFills.forEach((hex, i) => assert.strictEqual(results[`E${i + 2}`].fill, bgr(hex)));
  assert.strictEqual(results.A1.fill, bgr(CASE.expected.headerFill));
  assert.ok(results.D2.formula.startsWith('=HYPERLINK("#'), "the cell column links to the cell");
  assert.strictEqual(after.xltool_marks.visible, 2, "the marks sheet is very hidden");
  assert.strictEqual(app.ActiveSheet.Name, CASE.projectSheets[0], "the user's sheet stays active");

  // again: the originals recorded the first time are kept, not the marked look
  assert.strictEqual((await click("xltoolValidateWorkbook")).err, null);
  const cleared = await click("xltoolClearMarks");
  assert.strictEqual(cleared.err, null, cleared.err);
  assert.strictEqual(cleared.message, `已清除 ${Object.keys(CASE.expected.all.cells).length} 处标记，单元格原来的底色和批注已恢复。`);
  const restored = snapshot(app);
  assert.deepStrictEqual(originalSheets(restored), originalSheets(before));
  assert.ok(!("校验结果" in restored), "the results sheet is removed");
  assert.strictEqual(app.DisplayAlerts, true, "DisplayAlerts is put back");
  assert.strictEqual((await click("xltoolClearMarks")).message, "本工作簿中没有 xltool 留下的标记。");
});

test("the add-in as xltool serve serves it at /wps/ validates against that server (same origin)", async () => {
  const app = freshApp();
  const before = snapshot(app);
  const { click, context } = await loadServedAddin(CASE.server, app);
  assert.strictEqual(context.XLTOOL_CONFIG.server, "", "the served add-in uses the server it came from");
  assert.strictEqual(context.XltoolWps.serverBase(), CASE.server);
  const done = await click("xltoolValidateWorkbook");
  assert.strictEqual(done.err, null, done.err);
  assert.strictEqual(done.message, CASE.expected.all.message);
  assertMarked(app, CASE.expected.all.cells);
  await click("xltoolClearMarks");
  assert.deepStrictEqual(originalSheets(snapshot(app)), originalSheets(before));
});

test("校验本表 marks only the active sheet; other sheets' results rows stay", async () => {
  const second = CASE.projectSheets[1];
  const app = freshApp(second);
  const before = snapshot(app);
  const { click } = loadAddin(CASE.addin, app, CASE.server);
  const done = await click("xltoolValidateSheet");
  assert.strictEqual(done.err, null, done.err);
  assert.strictEqual(done.message, CASE.expected.sheet.message);
  assertMarked(app, CASE.expected.sheet.cells);
  assert.deepStrictEqual(snapshot(app)[CASE.projectSheets[0]], before[CASE.projectSheets[0]]);
  assertResults(app, CASE.expected.sheet.results);
  // 校验全部 then 校验本表: the first sheet's rows are kept, the active sheet's replaced
  await click("xltoolValidateWorkbook");
  assert.strictEqual((await click("xltoolValidateSheet")).err, null);
  assertMarked(app, CASE.expected.all.cells);
  assertResults(app, CASE.expected.allThenSheet.results);
  await click("xltoolClearMarks");
  assert.deepStrictEqual(originalSheets(snapshot(app)), originalSheets(before));
});

test("校验本表 on a sheet that is no project table says so and changes nothing", async () => {
  const app = freshApp(CASE.otherSheet);
  const before = snapshot(app);
  const { click } = loadAddin(CASE.addin, app, CASE.server);
  const done = await click("xltoolValidateSheet");
  assert.strictEqual(done.err, `当前工作表“${CASE.otherSheet}”不是项目绩效目标表（未找到“项目名称”和指标表栏目）。请切换到项目表后再点“校验本表”。`);
  assert.deepStrictEqual(snapshot(app), before);
});

test("an unreachable server gives the Chinese message and leaves the workbook alone", async () => {
  const app = freshApp();
  const before = snapshot(app);
  const { click, alerts } = loadAddin(CASE.addin, app, CASE.deadServer);
  for (const id of ["xltoolValidateWorkbook", "xltoolValidateSheet", "xltoolNewProjectSheet"]) {
    const done = await click(id);
    assert.ok(done.err.startsWith(`无法连接 xltool 服务器（${CASE.deadServer}）。`), done.err);
    assert.ok(done.err.includes("xltool serve"), done.err);
  }
  assert.strictEqual(alerts.length, 3);
  assert.deepStrictEqual(snapshot(app), before);
});

test("新建项目表 copies the active project sheet with its input cells emptied and marks undone", async () => {
  const source = CASE.projectSheets[1];
  const app = freshApp(source);
  const { click } = loadAddin(CASE.addin, app, CASE.server);
  await click("xltoolValidateSheet"); // the copy must not inherit the marks
  const done = await click("xltoolNewProjectSheet");
  assert.strictEqual(done.err, null, done.err);
  assert.strictEqual(done.message, "已新建项目表“项目1”，请在白色单元格中填写。");
  const book = app.ActiveWorkbook;
  const copy = book.Worksheets.Item("项目1");
  assert.strictEqual(copy.Index, book.Worksheets.Item(source).Index + 1);
  assert.strictEqual(app.ActiveSheet.Name, "项目1");
  const snap = snapshot(app);
  const spec = CASE.workbook.sheets.find((s) => s.name === source);
  let emptied = 0;
  for (const [r, c, value, locked] of spec.cells) {
    const ref = require("./fake_wps").letters(c) + r;
    const got = snap["项目1"].cells[ref];
    if (locked === false) {
      assert.ok(!got || got.value === undefined, `input ${ref} still holds ${got && got.value}`);
      emptied += 1;
    } else {
      assert.strictEqual(got.value, value, `label ${ref}`);
    }
  }
  assert.ok(emptied > 10, "the template's input cells were found");
  for (const m of CASE.userMarks.filter((m) => m.sheet === source)) {
    const got = snap["项目1"].cells[m.cell];
    assert.strictEqual(got.fill, m.fill ? bgr(m.fill) : null, `copied ${m.cell} fill`);
    assert.strictEqual(got.comment ? got.comment.text : "", m.note || "", `copied ${m.cell} note`);
  }
  for (const where of Object.keys(CASE.expected.sheet.cells)) {
    const cell = where.split("!")[1];
    if (CASE.userMarks.some((m) => m.sheet === source && m.cell === cell)) continue;
    const got = snap["项目1"].cells[cell];
    assert.ok(!got || (got.fill === null && got.comment === null), `mark copied to 项目1!${cell}`);
  }
});

test("帮助 shows the Excel add-in's help and the server", async () => {
  const { click } = loadAddin(CASE.addin, freshApp(), CASE.server);
  const done = await click("xltoolShowHelp");
  assert.ok(done.message.startsWith("xltool 绩效目标表工具"), done.message);
  assert.ok(done.message.includes("【清除标记】") && done.message.includes(CASE.server), done.message);
});

test("OnAction dispatches ribbon controls by their Id", async () => {
  const app = freshApp();
  const { context, alerts } = loadAddin(CASE.addin, app, CASE.server);
  assert.strictEqual(context.OnAddinLoad({}), true);
  assert.strictEqual(context.OnAction({ Id: "xltoolShowHelp" }), true);
  assert.ok(alerts[0].startsWith("xltool 绩效目标表工具"));
});

// ---------------------------------------------------------------------------
// The fake and the add-in against the published declarations
// ---------------------------------------------------------------------------

function declaredMembers(dts) {
  const members = {};
  const re = /^\t(?:interface|class) (\w+)[^{]*\{([\s\S]*?)^\t\}/gm;
  let m;
  while ((m = re.exec(dts))) {
    const names = members[m[1]] || (members[m[1]] = new Set());
    for (const line of m[2].split("\n")) {
      const d = /^\s+(?:readonly\s+)?(\w+)\??\s*[(:<]/.exec(line);
      if (d) names.add(d[1]);
    }
  }
  return members;
}

test("the fake implements only members declared in et-jsapi-declare, and the add-in uses only declared members",
  { skip: CASE.declarations ? false : CASE.declarationsMissing }, () => {
    const members = declaredMembers(CASE.declarations.map((f) => fs.readFileSync(f, "utf8")).join("\n"));
    const app = freshApp();
    const samples = { Application: app, Workbook: app.ActiveWorkbook, Worksheet: app.ActiveSheet };
    const used = new Set();
    for (const [name, [cls, iface]] of Object.entries(DECLARED)) {
      assert.ok(members[iface], `interface ${iface} is declared`);
      const own = samples[name] ? Object.keys(samples[name]) : [];
      const names = Object.getOwnPropertyNames(cls.prototype).concat(own)
        .filter((n) => n !== "constructor" && !n.startsWith("_"));
      for (const member of names) {
        assert.ok(members[iface].has(member), `${iface}.${member} is not in the declarations`);
        used.add(member);
      }
    }
    const source = ["marks.js", "main.js"].map((f) => fs.readFileSync(`${CASE.addin}/${f}`, "utf8")).join("\n");
    const mainMembers = new Set([...source.matchAll(/(?<!global)\.([A-Z][A-Za-z0-9]*)\b/g)].map((x) => x[1]));
    const everywhere = new Set(Object.values(members).flatMap((s) => [...s]));
    for (const member of mainMembers) {
      assert.ok(everywhere.has(member), `main.js uses ${member}, which no interface declares`);
      assert.ok(used.has(member) || member === "Id", `main.js uses ${member}, which the fake does not model`);
    }
  });

test("used range values are placed from A1 at the range's origin, and bounded like the file readers", () => {
  const app = makeApp({ name: "b.xlsx", sheets: [
    { name: "偏移", cells: [[4, 3, "项目名称", true], [5, 4, 12.5, true]] },
    { name: "很大", cells: [[1, 1, "a", true], [6000, 80, "远处", true]] },
    { name: "空表", cells: [] },
  ] });
  const { context } = loadAddin(CASE.addin, app, CASE.deadServer);
  const sheets = app.ActiveWorkbook.Worksheets;
  const shifted = context.XltoolWps.sheetValues(sheets.Item("偏移"));
  assert.deepStrictEqual(JSON.parse(JSON.stringify(shifted)),
    [[], [], [], [null, null, "项目名称", null], [null, null, null, 12.5]]);
  const big = context.XltoolWps.sheetValues(sheets.Item("很大"));
  assert.strictEqual(big.length, context.XLTOOL_CONFIG.maxRows);
  assert.strictEqual(big[0].length, context.XLTOOL_CONFIG.maxCols);
  assert.strictEqual(big[0][0], "a");
  assert.deepStrictEqual(JSON.parse(JSON.stringify(context.XltoolWps.sheetValues(sheets.Item("空表")))), [[null]]);
});

test("a workbook marked by xltool validate --mark-to is cleared exactly by 清除标记 in WPS", async () => {
  const app = makeApp(CASE.markedByCli);
  const marks = app.ActiveWorkbook.Worksheets.Item("xltool_marks");
  assert.strictEqual(marks.Visible, 2);
  assert.ok(JSON.stringify(snapshot(app)).includes("xml"), "the CLI's fill records are openpyxl's XML");
  const { click } = loadAddin(CASE.addin, app, CASE.deadServer); // clearing needs no server
  const done = await click("xltoolClearMarks");
  assert.strictEqual(done.err, null, done.err);
  assert.strictEqual(done.message,
    `已清除 ${Object.keys(CASE.expected.all.cells).length} 处标记，单元格原来的底色和批注已恢复。`);
  const want = makeApp(CASE.beforeCliMarks);
  const got = snapshot(app);
  for (const [name, sheet] of Object.entries(snapshot(want))) {
    assert.deepStrictEqual(got[name].cells, sheet.cells, `sheet ${name}`);
  }
  assert.ok(!("校验结果" in got));
});
