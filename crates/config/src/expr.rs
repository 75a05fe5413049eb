//! Variable expressions: routes combined with `+ - * /`, parentheses, numbers and a few
//! functions, parsed into a small tree that lists the columns it reads.

use std::fmt;

use cf_columns::Route;

/// A parsed variable expression, e.g. `sqrt(Jet.pt[:,0] * Jet.pt[:,1]) / 2`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number literal.
    Number(f64),
    /// A column.
    Route(Route),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `f(a, …)`.
    Call(Func, Vec<Expr>),
}

/// The four arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// The functions an expression may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `abs(x)`
    Abs,
    /// `sqrt(x)`
    Sqrt,
    /// `log(x)`, natural logarithm.
    Log,
    /// `exp(x)`
    Exp,
    /// `min(a, b, …)`
    Min,
    /// `max(a, b, …)`
    Max,
}

const FUNCS: [(&str, Func); 6] = [
    ("abs", Func::Abs),
    ("sqrt", Func::Sqrt),
    ("log", Func::Log),
    ("exp", Func::Exp),
    ("min", Func::Min),
    ("max", Func::Max),
];

impl Func {
    /// The name as written in expressions.
    pub fn name(self) -> &'static str {
        FUNCS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }

    pub(crate) fn arity_ok(self, n: usize) -> bool {
        match self {
            Func::Min | Func::Max => n >= 2,
            _ => n == 1,
        }
    }
}

/// Why an expression does not parse, and where (character offset into the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// Character offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Route(Route),
    Func(Func),
    Op(char),
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || matches!(chars[i], 'e' | 'E')
                    || (matches!(chars[i], '+' | '-') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            let value = literal.parse::<f64>().map_err(|_| ExprError {
                offset: start,
                reason: format!("`{literal}` is not a number"),
            })?;
            tokens.push((Tok::Num(value), start));
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&'(') && !word.contains('.') {
                let func = FUNCS
                    .iter()
                    .find(|(n, _)| *n == word)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| {
                        let known: Vec<&str> = FUNCS.iter().map(|(n, _)| *n).collect();
                        ExprError {
                            offset: start,
                            reason: format!(
                                "unknown function `{word}`{}; known: {}",
                                crate::suggest::suggest(&word, known.iter().copied())
                                    .map(|s| format!(" (did you mean `{s}`?)"))
                                    .unwrap_or_default(),
                                known.join(", ")
                            ),
                        }
                    })?;
                tokens.push((Tok::Func(func), start));
                continue;
            }
            if chars.get(i) == Some(&'[') {
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                i = (i + 1).min(chars.len());
            }
            let text: String = chars[start..i].iter().collect();
            let route = Route::parse(&text).map_err(|e| ExprError {
                offset: start,
                reason: e.to_string(),
            })?;
            tokens.push((Tok::Route(route), start));
        } else if "+-*/(),".contains(c) {
            tokens.push((Tok::Op(c), start));
            i += 1;
        } else {
            return Err(ExprError {
                offset: start,
                reason: format!(
                    "unexpected character `{c}` (expressions use routes, numbers, + - * /, parentheses and abs/sqrt/log/exp/min/max)"
                ),
            });
        }
    }
    Ok(tokens)
}

/// Deepest nesting of parentheses, calls and signs accepted: the parser recurses per level.
const MAX_DEPTH: usize = 64;

struct ExprParser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl ExprParser {
    fn peek_op(&self) -> Option<char> {
        match self.tokens.get(self.pos) {
            Some((Tok::Op(c), _)) => Some(*c),
            _ => None,
        }
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, o)| *o)
    }

    fn fail<T>(&self, reason: &str) -> Result<T, ExprError> {
        Err(ExprError {
            offset: self.offset(),
            reason: reason.to_string(),
        })
    }

    fn expect(&mut self, op: char) -> Result<(), ExprError> {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("expected `{op}`"))
        }
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek_op() {
            self.pos += 1;
            let rhs = self.product()?;
            let op = if op == '+' { BinOp::Add } else { BinOp::Sub };
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek_op() {
            self.pos += 1;
            let rhs = self.unary()?;
            let op = if op == '*' { BinOp::Mul } else { BinOp::Div };
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(&format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let expr = if self.peek_op() == Some('-') {
            self.pos += 1;
            self.unary().map(|e| Expr::Neg(Box::new(e)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        expr
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some((tok, start)) = self.tokens.get(self.pos).cloned() else {
            return self.fail("the expression ends too early");
        };
        self.pos += 1;
        match tok {
            Tok::Num(v) => Ok(Expr::Number(v)),
            Tok::Route(r) => Ok(Expr::Route(r)),
            Tok::Op('(') => {
                let inner = self.sum()?;
                self.expect(')')?;
                Ok(inner)
            }
            Tok::Func(func) => {
                self.expect('(')?;
                let mut args = vec![self.sum()?];
                while self.peek_op() == Some(',') {
                    self.pos += 1;
                    args.push(self.sum()?);
                }
                self.expect(')')?;
                if !func.arity_ok(args.len()) {
                    return Err(ExprError {
                        offset: start,
                        reason: format!(
                            "`{}` takes {}, not {}",
                            func.name(),
                            if matches!(func, Func::Min | Func::Max) {
                                "two or more arguments"
                            } else {
                                "one argument"
                            },
                            args.len()
                        ),
                    });
                }
                Ok(Expr::Call(func, args))
            }
            Tok::Op(c) => Err(ExprError {
                offset: start,
                reason: format!("unexpected `{c}`"),
            }),
        }
    }
}

impl Expr {
    /// Parses an expression.
    ///
    /// ```
    /// use cf_config::Expr;
    ///
    /// let expr = Expr::parse("abs(Jet.eta[:,0] - Jet.eta[:,1])").unwrap();
    /// let routes: Vec<String> = expr.routes().iter().map(|r| r.to_string()).collect();
    /// assert_eq!(routes, ["Jet.eta[:,0]", "Jet.eta[:,1]"]);
    /// ```
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut parser = ExprParser {
            tokens,
            pos: 0,
            end: text.chars().count(),
            depth: 0,
        };
        let expr = parser.sum()?;
        if parser.pos < parser.tokens.len() {
            return parser.fail("unexpected text after the expression (missing operator?)");
        }
        Ok(expr)
    }

    /// The routes the expression reads, each once, in order of first use.
    pub fn routes(&self) -> Vec<Route> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<Route>) {
        match self {
            Expr::Number(_) => {}
            Expr::Route(r) => {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
            Expr::Neg(e) => e.collect(out),
            Expr::Binary(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect(out)),
        }
    }
}

impl fmt::Display for Expr {
    /// Fully parenthesised, so the tree's shape is visible.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(v) => write!(f, "{v}"),
            Expr::Route(r) => write!(f, "{r}"),
            Expr::Neg(e) => write!(f, "(-{e})"),
            Expr::Binary(op, a, b) => {
                let op = match op {
                    BinOp::Add => '+',
                    BinOp::Sub => '-',
                    BinOp::Mul => '*',
                    BinOp::Div => '/',
                };
                write!(f, "({a} {op} {b})")
            }
            Expr::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}
