/**
 * Reads the `BRIDGES` and `UNIT` assignments of a FreeDMR / HBlink3 `rules.py` without running
 * Python: a tokenizer for the subset of Python's grammar a literal needs (strings, numbers, True,
 * False, None, dicts, lists, tuples, unary minus), and a top-level statement scanner. The
 * assigned values must be plain literals (like Python's ast.literal_eval accepts); anything else
 * (a name, a call, arithmetic, an f-string) is refused with its line and column. Other top-level
 * statements (imports, the `if __name__ == '__main__':` block, other assignments) are not run and
 * are listed so the caller can report them.
 * @module
 */

export type PyValue = string | number | boolean | null | PyValue[] | PyDict;
/** A Python dict with its keys in file order (keys are strings or numbers in rules.py). */
export type PyDict = Map<string | number, PyValue>;

export interface RulesFile {
  /** Assignments of the names asked for, by name. */
  readonly assignments: Map<string, PyValue>;
  /** Top-level statements that were not read, "line N: text" (first line only). */
  readonly skipped: string[];
}

export type RulesRead = { readonly ok: true; readonly rules: RulesFile } | { readonly ok: false; readonly error: string };

type TokenKind = "name" | "number" | "string" | "op" | "newline" | "end";
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** For strings: the decoded value. For numbers: the value. */
  readonly value?: string | number;
  readonly line: number;
  readonly column: number;
  /** True for the first token of a physical line at column 1 outside brackets (a top-level statement). */
  readonly topLevel: boolean;
}

class LiteralError extends Error {
  constructor(readonly line: number, readonly column: number, message: string) {
    super(message);
  }
}

/** Bounds: a rules.py is a few hundred kB at most; nesting deeper than this is not a config. */
const MAX_DEPTH = 64;
const MAX_TOKENS = 5_000_000;

export function readRulesFile(text: string, names: readonly string[]): RulesRead {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof LiteralError) return { ok: false, error: `line ${error.line}, column ${error.column}: ${error.message}` };
    throw error;
  }
  const wanted = new Set(names);
  const assignments = new Map<string, PyValue>();
  const skipped: string[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let i = 0;
  while (tokens[i]!.kind !== "end") {
    const start = tokens[i]!;
    if (start.kind === "newline") {
      i++;
      continue;
    }
    // NAME = literal (only at column 1: an indented line belongs to a block we skip)
    if (start.topLevel && start.kind === "name" && wanted.has(start.text) && tokens[i + 1]?.text === "=" && tokens[i + 1]?.kind === "op") {
      const parser = new LiteralParser(tokens, i + 2);
      try {
        const value = parser.value(0);
        const after = tokens[parser.position]!;
        if (after.kind !== "newline" && after.kind !== "end") {
          throw new LiteralError(after.line, after.column, `${start.text} must be a plain literal; found "${after.text}" after it`);
        }
        if (assignments.has(start.text)) skipped.push(`line ${start.line}: ${start.text} assigned again (the last assignment counts, as in Python)`);
        assignments.set(start.text, value);
        i = parser.position;
      } catch (error) {
        if (error instanceof LiteralError) {
          return {
            ok: false,
            error: `line ${error.line}, column ${error.column}: ${error.message}. freedmr reads ${start.text} without running Python, so it must be written out as a literal (dicts, lists, strings, numbers, True/False/None)`,
          };
        }
        throw error;
      }
      continue;
    }
    // anything else: skip the statement (and, for a block, every indented line after it)
    skipped.push(`line ${start.line}: ${clip(lines[start.line - 1]!.trim())}`);
    i = skipStatement(tokens, i);
  }
  return { ok: true, rules: { assignments, skipped } };
}

function skipStatement(tokens: Token[], from: number): number {
  let i = from + 1;
  while (tokens[i]!.kind !== "end" && !tokens[i]!.topLevel) i++;
  return i;
}

function clip(text: string): string {
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

class LiteralParser {
  position: number;
  constructor(private readonly tokens: Token[], start: number) {
    this.position = start;
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    return this.tokens[this.position++]!;
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) {
      const t = this.peek();
      throw new LiteralError(t.line, t.column, `nested more than ${MAX_DEPTH} levels deep`);
    }
    // inside brackets the tokenizer emits no newlines, so a value spans lines freely
    const token = this.next();
    switch (token.kind) {
      case "string": {
        // adjacent string literals concatenate, as in Python
        let text = token.value as string;
        while (this.peek().kind === "string") text += this.next().value as string;
        return text;
      }
      case "number":
        return token.value as number;
      case "name":
        if (token.text === "True") return true;
        if (token.text === "False") return false;
        if (token.text === "None") return null;
        throw new LiteralError(token.line, token.column, `"${token.text}" is a name, not a literal`);
      case "op":
        switch (token.text) {
          case "-":
          case "+": {
            const operand = this.next();
            if (operand.kind !== "number") throw new LiteralError(operand.line, operand.column, `"${token.text}" must be followed by a number`);
            return token.text === "-" ? -(operand.value as number) : (operand.value as number);
          }
          case "{":
            return this.dict(depth);
          case "[":
            return this.sequence("]", depth);
          case "(":
            return this.sequence(")", depth);
        }
        throw new LiteralError(token.line, token.column, `unexpected "${token.text}"`);
      case "newline":
      case "end":
        throw new LiteralError(token.line, token.column, "the value is missing");
    }
  }

  private dict(depth: number): PyDict {
    const result: PyDict = new Map();
    for (;;) {
      if (this.peek().text === "}" && this.peek().kind === "op") {
        this.position++;
        return result;
      }
      const keyToken = this.peek();
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number") {
        throw new LiteralError(keyToken.line, keyToken.column, "dict keys in rules.py must be strings or numbers");
      }
      this.expect(":");
      result.set(key, this.value(depth + 1));
      const separator = this.next();
      if (separator.kind === "op" && separator.text === "}") return result;
      if (separator.kind !== "op" || separator.text !== ",") throw new LiteralError(separator.line, separator.column, `expected "," or "}" in a dict, found "${separator.text}"`);
    }
  }

  private sequence(close: "]" | ")", depth: number): PyValue[] {
    const result: PyValue[] = [];
    for (;;) {
      if (this.peek().kind === "op" && this.peek().text === close) {
        this.position++;
        return result;
      }
      result.push(this.value(depth + 1));
      const separator = this.next();
      if (separator.kind === "op" && separator.text === close) return result;
      if (separator.kind !== "op" || separator.text !== ",") throw new LiteralError(separator.line, separator.column, `expected "," or "${close}", found "${separator.text}"`);
    }
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.kind !== "op" || token.text !== text) throw new LiteralError(token.line, token.column, `expected "${text}", found "${token.text}"`);
  }
}

const OPERATORS = ["**=", "//=", ">>=", "<<=", "==", "!=", "<=", ">=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "//", "<<", ">>", ":="];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let atLineStart = true;
  const push = (kind: TokenKind, tokenText: string, start: number, startLine: number, startColumn: number, value?: string | number): void => {
    if (tokens.length >= MAX_TOKENS) throw new LiteralError(startLine, startColumn, "file too large");
    tokens.push({ kind, text: tokenText, value, line: startLine, column: startColumn, topLevel: atLineStart && depth === 0 && startColumn === 1 });
    atLineStart = false;
    void start;
  };
  while (i < text.length) {
    const c = text[i]!;
    const column = i - lineStart + 1;
    if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      i++;
      if (depth === 0 && tokens.length > 0 && tokens[tokens.length - 1]!.kind !== "newline") {
        tokens.push({ kind: "newline", text: "\\n", line, column, topLevel: false });
      }
      line++;
      lineStart = i;
      if (depth === 0) atLineStart = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\f") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
      continue;
    }
    if (c === "\\" && (text[i + 1] === "\n" || text[i + 1] === "\r")) {
      // explicit line joining
      i += text[i + 1] === "\r" && text[i + 2] === "\n" ? 3 : 2;
      line++;
      lineStart = i;
      continue;
    }
    // strings, with optional prefixes
    const prefix = /^([rRbBuUfF]{0,2})(['"])/.exec(text.slice(i, i + 4));
    if (prefix !== null && (prefix[1] === "" || /^[A-Za-z]/.test(c))) {
      const flags = prefix[1]!.toLowerCase();
      if (flags.includes("f")) throw new LiteralError(line, column, "an f-string is code, not a literal");
      if (flags.includes("b")) throw new LiteralError(line, column, "a bytes literal has no meaning in rules.py");
      const raw = flags.includes("r");
      const startLine = line;
      i += prefix[1]!.length;
      const quote = text[i]!;
      const triple = text.startsWith(quote.repeat(3), i);
      const delimiter = triple ? quote.repeat(3) : quote;
      i += delimiter.length;
      let value = "";
      for (;;) {
        if (i >= text.length) throw new LiteralError(startLine, column, "string not closed");
        if (text.startsWith(delimiter, i)) {
          i += delimiter.length;
          break;
        }
        const ch = text[i]!;
        if (ch === "\n" || ch === "\r") {
          if (!triple) throw new LiteralError(line, i - lineStart + 1, "string not closed before the end of the line");
          value += "\n";
          if (ch === "\r" && text[i + 1] === "\n") i++;
          i++;
          line++;
          lineStart = i;
          continue;
        }
        if (ch === "\\" && !raw) {
          const escaped = text[i + 1];
          i += 2;
          switch (escaped) {
            case "n":
              value += "\n";
              break;
            case "t":
              value += "\t";
              break;
            case "r":
              value += "\r";
              break;
            case "0":
              value += "\0";
              break;
            case "\\":
            case "'":
            case '"':
              value += escaped;
              break;
            case "\n":
              line++;
              lineStart = i;
              break;
            case "x": {
              const hex = text.slice(i, i + 2);
              if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new LiteralError(line, i - lineStart, "bad \\x escape");
              value += String.fromCharCode(parseInt(hex, 16));
              i += 2;
              break;
            }
            case "u": {
              const hex = text.slice(i, i + 4);
              if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new LiteralError(line, i - lineStart, "bad \\u escape");
              value += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default:
              value += `\\${escaped ?? ""}`;
          }
          continue;
        }
        value += ch;
        i++;
      }
      push("string", value, i, startLine, column, value);
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (number !== null && number[0] !== "" && /[0-9.]/.test(c)) {
      const literal = number[0];
      if (/[a-zA-Z_]/.test(text[i + literal.length] ?? "")) throw new LiteralError(line, column, `"${literal}${text[i + literal.length]}..." is not a number`);
      const clean = literal.replaceAll("_", "");
      const value = Number(clean);
      if (!Number.isFinite(value)) throw new LiteralError(line, column, `"${literal}" is not a number`);
      push("number", literal, i, line, column, value);
      i += literal.length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (name !== null) {
      push("name", name[0], i, line, column);
      i += name[0].length;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, i)) ?? c;
    if ("([{".includes(operator)) depth++;
    if (")]}".includes(operator)) depth = Math.max(0, depth - 1);
    push("op", operator, i, line, column);
    i += operator.length;
  }
  if (tokens.length > 0 && tokens[tokens.length - 1]!.kind !== "newline") tokens.push({ kind: "newline", text: "\\n", line, column: 1, topLevel: false });
  tokens.push({ kind: "end", text: "end of file", line, column: 1, topLevel: true });
  return tokens;
}
