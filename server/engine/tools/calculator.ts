/**
 * The agent's calculator: a small recursive-descent parser for arithmetic, never `eval`.
 *
 * Grammar (loosest binding first):
 *   sum     = product (("+" | "-") product)*
 *   product = unary (("*" | "/" | "%") unary)*        "%" between two operands is the remainder
 *   unary   = ("+" | "-") unary | power
 *   power   = postfix ("^" unary)?                     right-associative, binds tighter than a leading minus
 *   postfix = atom "%"?                                "17%" is 0.17 when no operand follows
 *   atom    = number | "(" sum ")"
 * Also accepted: × ÷ − and ** as spellings of * / - and ^, "2,340" (thousands separators) and a
 * currency sign in front of a number ("$64.80").
 */

const MAX_EXPRESSION_LENGTH = 500;
const MAX_NESTING = 64;
const SIGNIFICANT_DIGITS = 12;

/** An expression the calculator refuses, with a message a model (or a person) can act on. */
export class CalculatorError extends Error {
  override name = 'CalculatorError';
}

type OperatorSymbol = '+' | '-' | '*' | '/' | '%' | '^';
type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'operator'; value: OperatorSymbol; at: number }
  | { kind: 'paren'; value: '(' | ')'; at: number };

const SPELLINGS: Readonly<Record<string, OperatorSymbol | '(' | ')'>> = {
  '+': '+',
  '-': '-',
  '\u2212': '-',
  '\u2013': '-',
  '*': '*',
  '\u00d7': '*',
  '\u00b7': '*',
  '/': '/',
  '\u00f7': '/',
  '%': '%',
  '^': '^',
  '(': '(',
  ')': ')',
};
const NUMBER = /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|^\.\d+/;
const CURRENCY = /^[$€£¥]/;

/** Evaluates an arithmetic expression; throws a {@link CalculatorError} explaining what is wrong. */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new CalculatorError(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new CalculatorError('empty expression');
  const value = new Parser(tokens).parseAll();
  if (!Number.isFinite(value)) throw new CalculatorError('the result is too large to represent');
  return value;
}

/** The result as an agent should read it: no floating-point noise ("0.30000000000000004" → "0.3"). */
export function formatCalculatorResult(value: number): string {
  if (Number.isSafeInteger(value)) return String(value);
  const rounded = Number(value.toPrecision(SIGNIFICANT_DIGITS));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const char = rest[0] as string;
    if (/\s/.test(char)) {
      at += 1;
    } else if (rest.startsWith('**')) {
      tokens.push({ kind: 'operator', value: '^', at });
      at += 2;
    } else if (CURRENCY.test(rest) && NUMBER.test(rest.slice(1))) {
      at += 1;
    } else if (NUMBER.test(rest)) {
      const literal = (NUMBER.exec(rest) as RegExpExecArray)[0];
      tokens.push({ kind: 'number', value: Number(literal.replaceAll(',', '')), at });
      at += literal.length;
    } else if (SPELLINGS[char] !== undefined) {
      const value = SPELLINGS[char];
      tokens.push(
        value === '(' || value === ')'
          ? { kind: 'paren', value, at }
          : { kind: 'operator', value, at },
      );
      at += 1;
    } else {
      throw new CalculatorError(`unexpected character "${char}" at position ${at + 1}`);
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): number {
    const value = this.sum();
    const extra = this.peek();
    if (extra)
      throw new CalculatorError(`unexpected "${describe(extra)}" at position ${extra.at + 1}`);
    return value;
  }

  private sum(): number {
    let value = this.product();
    for (let op = this.operator('+', '-'); op; op = this.operator('+', '-')) {
      const right = this.product();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  private product(): number {
    let value = this.unary();
    for (let op = this.operator('*', '/', '%'); op; op = this.operator('*', '/', '%')) {
      const right = this.unary();
      if (right === 0 && op !== '*')
        throw new CalculatorError(
          op === '/' ? 'division by zero' : 'remainder of a division by zero',
        );
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    const sign = this.operator('+', '-');
    if (!sign) return this.power();
    return this.nested(() => (sign === '-' ? -this.unary() : this.unary()));
  }

  private power(): number {
    const base = this.postfix();
    if (!this.operator('^')) return base;
    const exponent = this.nested(() => this.unary());
    const value = base ** exponent;
    if (Number.isNaN(value))
      throw new CalculatorError(`${base} ^ ${exponent} is not a real number`);
    return value;
  }

  private postfix(): number {
    const value = this.atom();
    const next = this.peek();
    if (
      next?.kind === 'operator' &&
      next.value === '%' &&
      !this.startsOperand(this.tokens[this.position + 1])
    ) {
      this.position += 1;
      return value / 100;
    }
    return value;
  }

  private atom(): number {
    const token = this.peek();
    if (!token) throw new CalculatorError('the expression ends where a number was expected');
    this.position += 1;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'paren' && token.value === '(') {
      const value = this.nested(() => this.sum());
      const close = this.peek();
      if (close?.kind !== 'paren' || close.value !== ')') {
        throw new CalculatorError(`missing ")" for the "(" at position ${token.at + 1}`);
      }
      this.position += 1;
      return value;
    }
    throw new CalculatorError(
      `unexpected "${describe(token)}" at position ${token.at + 1}: expected a number or "("`,
    );
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING)
      throw new CalculatorError(`expression is nested more than ${MAX_NESTING} levels deep`);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  /** Consumes the next token when it is one of `allowed`, returning it. */
  private operator<T extends OperatorSymbol>(...allowed: T[]): T | null {
    const token = this.peek();
    if (token?.kind !== 'operator' || !allowed.includes(token.value as T)) return null;
    this.position += 1;
    return token.value as T;
  }

  private startsOperand(token: Token | undefined): boolean {
    return (
      token !== undefined &&
      (token.kind === 'number' || (token.kind === 'paren' && token.value === '('))
    );
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }
}

function describe(token: Token): string {
  return String(token.value);
}
