"use strict";
/*
 * A fake WPS 表格 object model for running the add-in's main.js under node.
 *
 * Built from the published declarations (et-jsapi-declare, lib.et.d.ts): each class
 * implements only members the add-in uses, under the declared names, and DECLARED
 * maps each class to the interface it stands for so the test can check every member
 * against the .d.ts. Semantics follow Excel/WPS where the add-in depends on them:
 * Value2 is a scalar for one cell and rows × columns otherwise; UsedRange is the
 * bounding box of cells with a value, fill or note; a leading apostrophe makes text;
 * Interior.ColorIndex is xlNone (-4142) for no fill and Color is a BGR integer;
 * AddComment fails on a cell that already has one; deleting a sheet while
 * DisplayAlerts is on would show a dialog, so it fails here.
 */

const XL_NONE = -4142;

function letters(col) {
  let s = "";
  while (col > 0) {
    const m = (col - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    col = Math.floor((col - 1) / 26);
  }
  return s;
}

function parseCell(ref) {
  const m = /^\$?([A-Z]+)\$?(\d+)$/.exec(ref.toUpperCase());
  if (!m) throw new Error(`fake WPS: bad cell address ${ref}`);
  let col = 0;
  for (const ch of m[1]) col = col * 26 + ch.charCodeAt(0) - 64;
  return [Number(m[2]), col];
}

function parseArea(address) {
  if (address.includes(",")) throw new Error(`fake WPS: multi-area address not modelled: ${address}`);
  const [a, b] = address.split(":");
  const [r1, c1] = parseCell(a);
  const [r2, c2] = b ? parseCell(b) : [r1, c1];
  return [Math.min(r1, r2), Math.min(c1, c2), Math.max(r1, r2), Math.max(c1, c2)];
}

class Cell {
  constructor() {
    this.value = undefined;
    this.formula = null;
    this.fill = null; // BGR integer or null
    this.comment = null; // {text, author}
    this.locked = true;
    this.bold = false;
  }

  isUsed() {
    return this.value !== undefined || this.fill !== null || this.comment !== null;
  }

  copy() {
    return Object.assign(new Cell(), this, { comment: this.comment ? { ...this.comment } : null });
  }
}

class Comment {
  constructor(cell) { this._cell = cell; }
  get Author() { return this._cell.comment.author; }
  Text() { return this._cell.comment.text; }
}

class Interior {
  constructor(range) { this._range = range; }
  get Color() { const f = this._range._first().fill; return f === null ? 16777215 : f; }
  set Color(bgr) { this._range._each((c) => { c.fill = bgr; }); }
  get ColorIndex() { return this._range._first().fill === null ? XL_NONE : 1; }
  set ColorIndex(index) {
    if (index !== XL_NONE) throw new Error("fake WPS: only ColorIndex = xlNone is modelled");
    this._range._each((c) => { c.fill = null; });
  }
  get Pattern() { return this._range._first().fill === null ? XL_NONE : 1; }
}

class Font {
  constructor(range) { this._range = range; }
  get Bold() { return this._range._first().bold; }
  set Bold(v) { this._range._each((c) => { c.bold = !!v; }); }
}

class Count {
  constructor(n) { this.Count = n; }
}

class Range {
  constructor(sheet, r1, c1, r2, c2) {
    Object.assign(this, { _sheet: sheet, _r1: r1, _c1: c1, _r2: r2, _c2: c2 });
  }

  _cell(r, c) { return this._sheet._cell(r, c); }
  _first() { return this._cell(this._r1, this._c1); }
  _each(fn) {
    for (let r = this._r1; r <= this._r2; r++) for (let c = this._c1; c <= this._c2; c++) fn(this._cell(r, c), r, c);
  }
  _single() {
    if (this._r1 !== this._r2 || this._c1 !== this._c2) throw new Error("fake WPS: a one-cell member used on an area");
    return this._first();
  }

  get Row() { return this._r1; }
  get Column() { return this._c1; }
  get Rows() { return new Count(this._r2 - this._r1 + 1); }
  get Columns() { return new Count(this._c2 - this._c1 + 1); }
  get Count() { return (this._r2 - this._r1 + 1) * (this._c2 - this._c1 + 1); }

  get Value2() {
    if (this.Count === 1) return this._first().value;
    const rows = [];
    for (let r = this._r1; r <= this._r2; r++) {
      const row = [];
      for (let c = this._c1; c <= this._c2; c++) row.push(this._sheet._peek(r, c).value);
      rows.push(row);
    }
    return rows;
  }

  set Value2(value) {
    if (!Array.isArray(value)) { this._each((cell) => setValue(cell, value)); return; }
    const height = this._r2 - this._r1 + 1;
    const width = this._c2 - this._c1 + 1;
    if (value.length !== height || value.some((row) => !Array.isArray(row) || row.length !== width)) {
      throw new Error("fake WPS: Value2 array does not match the range's size");
    }
    this._each((cell, r, c) => setValue(cell, value[r - this._r1][c - this._c1]));
  }

  get Interior() { return new Interior(this); }
  get Font() { return new Font(this); }
  set ColumnWidth(w) { for (let c = this._c1; c <= this._c2; c++) this._sheet._widths[c] = w; }
  get ColumnWidth() { return this._sheet._widths[this._c1]; }
  get Locked() { return this._single().locked; }
  get HasFormula() { return this._single().formula !== null; }
  get MergeCells() { return false; } // the test workbooks have no merged cells
  get MergeArea() { return this; }

  get Comment() { const cell = this._single(); return cell.comment ? new Comment(cell) : null; }
  AddComment(text) {
    const cell = this._single();
    if (cell.comment) throw new Error("fake WPS: the cell already has a comment (as in Excel)");
    cell.comment = { text: String(text), author: this._sheet._book._app.UserName };
    return new Comment(cell);
  }
  ClearComments() { this._each((c) => { c.comment = null; }); }
  ClearContents() { this._each((c) => { c.value = undefined; c.formula = null; }); }
  Clear() { this._each((c) => { Object.assign(c, new Cell(), { locked: c.locked }); }); }
  Resize(rows, cols) { return new Range(this._sheet, this._r1, this._c1, this._r1 + rows - 1, this._c1 + cols - 1); }
}

function setValue(cell, value) {
  cell.formula = null;
  if (value === "" || value === null || value === undefined) { cell.value = undefined; return; }
  if (typeof value === "string" && value.startsWith("'")) { cell.value = value.slice(1); return; }
  if (typeof value === "string" && value.startsWith("=")) {
    const m = /^=HYPERLINK\("((?:[^"]|"")*)","((?:[^"]|"")*)"\)$/.exec(value);
    if (!m) throw new Error(`fake WPS: formula not modelled: ${value}`);
    cell.formula = value;
    cell.value = m[2].replace(/""/g, '"');
    return;
  }
  cell.value = value;
}

class Worksheet {
  constructor(book, name) {
    this._book = book;
    this._name = name;
    this._cells = new Map();
    this._widths = {};
    this.Visible = -1; // xlSheetVisible
  }

  _cell(r, c) {
    const key = `${r},${c}`;
    if (!this._cells.has(key)) this._cells.set(key, new Cell());
    return this._cells.get(key);
  }
  _peek(r, c) { return this._cells.get(`${r},${c}`) || new Cell(); }

  get Name() { return this._name; }
  set Name(name) {
    if (this._book._sheets.some((s) => s !== this && s._name.toLowerCase() === name.toLowerCase())) {
      throw new Error(`fake WPS: a sheet named ${name} exists`);
    }
    this._name = name;
  }
  get Index() { return this._book._sheets.indexOf(this) + 1; }

  get UsedRange() {
    let r1 = Infinity, c1 = Infinity, r2 = 0, c2 = 0;
    for (const [key, cell] of this._cells) {
      if (!cell.isUsed()) continue;
      const [r, c] = key.split(",").map(Number);
      r1 = Math.min(r1, r); c1 = Math.min(c1, c); r2 = Math.max(r2, r); c2 = Math.max(c2, c);
    }
    return r2 ? new Range(this, r1, c1, r2, c2) : new Range(this, 1, 1, 1, 1);
  }

  get Cells() {
    return new Range(this, 1, 1, 1048576, 16384)._bounded();
  }

  Range(address) {
    const [r1, c1, r2, c2] = parseArea(address);
    return new Range(this, r1, c1, r2, c2);
  }

  Activate() { this._book._app._active = this; }

  Delete() {
    if (this._book._app.DisplayAlerts) throw new Error("fake WPS: deleting a sheet with DisplayAlerts on asks the user");
    const i = this._book._sheets.indexOf(this);
    this._book._sheets.splice(i, 1);
    if (this._book._app._active === this) this._book._app._active = this._book._sheets[Math.max(0, i - 1)];
  }

  Copy(before, after) {
    if (before !== undefined || !after) throw new Error("fake WPS: only Copy(undefined, After) is modelled");
    let n = 2;
    while (this._book._sheets.some((s) => s._name === `${this._name} (${n})`)) n++;
    const copy = new Worksheet(this._book, `${this._name} (${n})`);
    for (const [key, cell] of this._cells) copy._cells.set(key, cell.copy());
    copy._widths = { ...this._widths };
    this._book._sheets.splice(after.Index, 0, copy);
    this._book._app._active = copy;
  }
}

// Cells (the whole sheet) only needs ClearContents / Clear: bound them to the used cells.
Range.prototype._bounded = function bounded() {
  const sheet = this._sheet;
  const used = sheet.UsedRange;
  return Object.assign(Object.create(Range.prototype), this, {
    _r1: 1, _c1: 1, _r2: used._r2, _c2: used._c2,
  });
};

class Sheets {
  constructor(book) { this._book = book; }
  get Count() { return this._book._sheets.length; }
  Item(index) {
    const sheet = typeof index === "number" ? this._book._sheets[index - 1]
      : this._book._sheets.find((s) => s._name === index);
    if (!sheet) throw new Error(`fake WPS: no sheet ${index}`);
    return sheet;
  }
  Add(before, after) {
    if (before !== undefined || !after) throw new Error("fake WPS: only Add(undefined, After) is modelled");
    let n = 1;
    while (this._book._sheets.some((s) => s._name === `Sheet${n}`)) n++;
    const sheet = new Worksheet(this._book, `Sheet${n}`);
    this._book._sheets.splice(after.Index, 0, sheet);
    this._book._app._active = sheet;
    return sheet;
  }
}

class Workbook {
  constructor(app, name) {
    this._app = app;
    this._name = name;
    this._sheets = [];
  }
  get Name() { return this._name; }
  get Worksheets() { return new Sheets(this); }
}

class Application {
  constructor() {
    this.DisplayAlerts = true;
    this.UserName = "WPS用户";
    this._book = null;
    this._active = null;
  }
  get ActiveWorkbook() { return this._book; }
  get ActiveSheet() { return this._active; }
}

/** Class → the interface of lib.et.d.ts it stands for. */
const DECLARED = {
  Application: [Application, "Application"],
  Workbook: [Workbook, "Workbook"],
  Sheets: [Sheets, "Sheets"],
  Worksheet: [Worksheet, "Worksheet"],
  Range: [Range, "Range"],
  Interior: [Interior, "Interior"],
  Font: [Font, "Font"],
  Comment: [Comment, "Comment"],
};

/** A workbook from {name, sheets: [{name, visible?, cells: [[row, col, value, locked, fill?, comment?]]}]}
 *  (fill "#RRGGBB" or null, comment {text, author} or null). */
function makeApp(spec) {
  const app = new Application();
  const book = new Workbook(app, spec.name);
  app._book = book;
  for (const s of spec.sheets) {
    const sheet = new Worksheet(book, s.name);
    if (s.visible !== undefined) sheet.Visible = s.visible;
    for (const [r, c, value, locked, fill, comment] of s.cells) {
      const cell = sheet._cell(r, c);
      cell.value = value === null ? undefined : value;
      cell.locked = locked !== false;
      if (fill) {
        const v = parseInt(fill.slice(1), 16);
        cell.fill = ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);
      }
      if (comment) cell.comment = { text: comment.text, author: comment.author };
    }
    book._sheets.push(sheet);
  }
  app._active = book._sheets[0];
  return app;
}

/** Everything a user could see of a sheet's cells: value, formula, fill, note (for exact comparisons). */
function snapshot(app) {
  const out = {};
  for (const sheet of app._book._sheets) {
    const cells = {};
    for (const [key, cell] of sheet._cells) {
      if (!cell.isUsed() && cell.formula === null) continue;
      const [r, c] = key.split(",").map(Number);
      cells[letters(c) + r] = { value: cell.value, formula: cell.formula, fill: cell.fill, comment: cell.comment };
    }
    out[sheet._name] = { visible: sheet.Visible, cells };
  }
  return out;
}

module.exports = { makeApp, snapshot, letters, parseCell, DECLARED, XL_NONE, Worksheet, Range };
