//! The TFormula-style expression language of correctionlib `formula` nodes: a parser that
//! accepts exactly the reference grammar, and a compiled expression form.
//!
//! Grammar (whitespace is spaces and tabs, allowed between tokens but not inside them):
//! an expression is atoms joined by binary operators with the precedence, loosest first,
//! `||`, `&&`, `== !=`, `> < >= <=`, `- +`, `/ *`, `^` (all left-associative except `^`).
//! An atom is a literal (`-?[0-9]+(\.[0-9]*)?(e-?[0-9]+)?`) or an optionally negated
//! function call (`log log10 exp erf sqrt abs cos sin tan acos asin atan cosh sinh tanh acosh
//! asinh atanh` of one argument, `atan2 pow max min` of two), parameter `[i]`, variable
//! (`x y z t` or `x[i]`), or parenthesised expression. Unary minus binds tighter than `^`.

use std::collections::HashMap;

use crate::node::Arg;

/// Index of an expression node in a [`Exprs`] arena.
pub(crate) type ExprId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnaryOp {
    Negative,
    Log,
    Log10,
    Exp,
    Erf,
    Sqrt,
    Abs,
    Cos,
    Sin,
    Tan,
    Acos,
    Asin,
    Atan,
    Cosh,
    Sinh,
    Tanh,
    Acosh,
    Asinh,
    Atanh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    Or,
    And,
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterEq,
    LessEq,
    Minus,
    Plus,
    Div,
    Times,
    Pow,
    Atan2,
    Max,
    Min,
}

const UNARY_FUNCTIONS: [(&str, UnaryOp); 18] = [
    ("log", UnaryOp::Log),
    ("log10", UnaryOp::Log10),
    ("exp", UnaryOp::Exp),
    ("erf", UnaryOp::Erf),
    ("sqrt", UnaryOp::Sqrt),
    ("abs", UnaryOp::Abs),
    ("cos", UnaryOp::Cos),
    ("sin", UnaryOp::Sin),
    ("tan", UnaryOp::Tan),
    ("acos", UnaryOp::Acos),
    ("asin", UnaryOp::Asin),
    ("atan", UnaryOp::Atan),
    ("cosh", UnaryOp::Cosh),
    ("sinh", UnaryOp::Sinh),
    ("tanh", UnaryOp::Tanh),
    ("acosh", UnaryOp::Acosh),
    ("asinh", UnaryOp::Asinh),
    ("atanh", UnaryOp::Atanh),
];

const BINARY_FUNCTIONS: [(&str, BinaryOp); 4] = [
    ("atan2", BinaryOp::Atan2),
    ("pow", BinaryOp::Pow),
    ("max", BinaryOp::Max),
    ("min", BinaryOp::Min),
];

/// Operators with their precedence (higher binds tighter); two-character ones first so the
/// longest operator wins, as in the reference grammar.
const OPERATORS: [(&str, BinaryOp, u8); 13] = [
    ("||", BinaryOp::Or, 1),
    ("&&", BinaryOp::And, 2),
    ("==", BinaryOp::Equal, 3),
    ("!=", BinaryOp::NotEqual, 3),
    (">=", BinaryOp::GreaterEq, 4),
    ("<=", BinaryOp::LessEq, 4),
    (">", BinaryOp::Greater, 4),
    ("<", BinaryOp::Less, 4),
    ("-", BinaryOp::Minus, 5),
    ("+", BinaryOp::Plus, 5),
    ("/", BinaryOp::Div, 6),
    ("*", BinaryOp::Times, 6),
    ("^", BinaryOp::Pow, 7),
];
const POW_PRECEDENCE: u8 = 7;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Expr {
    Literal(f64),
    /// Index into the correction's inputs.
    Variable(u32),
    /// Index into the parameters given at evaluation (generic formulas only).
    Parameter(u32),
    Unary(UnaryOp, ExprId),
    Binary(BinaryOp, ExprId, ExprId),
}

/// Value slots of a running formula: the evaluation stack grows from the bottom, the
/// registers holding repeated subexpressions sit at the top. Real formulas stay far below.
const SLOTS: usize = 32;
/// At most this many repeated subexpressions are computed once; others are recomputed.
const MAX_REGISTERS: usize = 8;

/// One instruction of a compiled formula, run on a value stack. A binary operation whose
/// right operand is a leaf or a register reads it directly, saving a push and a pop.
#[derive(Debug, Clone, Copy)]
enum Op {
    PushLiteral(f64),
    PushVariable(u32),
    PushParameter(u32),
    /// Pushes a register's value.
    Load(u8),
    /// Copies the top of the stack into a register (the value stays on the stack).
    Store(u8),
    Unary(UnaryOp),
    Binary(BinaryOp),
    BinaryLiteral(BinaryOp, f64),
    BinaryVariable(BinaryOp, u32),
    BinaryParameter(BinaryOp, u32),
    BinaryRegister(BinaryOp, u8),
}

/// Structural identity of an expression node, for finding repeated subexpressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    Literal(u64),
    Variable(u32),
    Parameter(u32),
    Unary(UnaryOp, u32),
    Binary(BinaryOp, u32, u32),
}

/// State of compiling one parse tree to instructions.
struct Emitter {
    /// The structural class of each parse node.
    class: Vec<u32>,
    /// The register of each class computed once, if any.
    register: Vec<Option<u8>>,
    /// Whether a class with a register has been computed already.
    stored: Vec<bool>,
    depth: usize,
    max_depth: usize,
}

/// A compiled formula: a range of instructions in its [`Exprs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Program {
    start: u32,
    len: u32,
}

/// The formulas of one correction: a parse tree while parsing, then postfix instructions.
#[derive(Debug, Default)]
pub(crate) struct Exprs {
    nodes: Vec<Expr>,
    code: Vec<Op>,
}

/// How `[i]` parameters are resolved while parsing.
pub(crate) enum Params<'a> {
    /// Replace `[i]` with the given value (a plain `formula` node).
    Bind(&'a [f64]),
    /// Keep `[i]` as a slot filled at evaluation (a generic formula used by `formularef`).
    Generic,
}

/// A parsed and compiled formula and the number of parameters it reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parsed {
    pub(crate) program: Program,
    /// One more than the largest generic parameter index used (0 if none).
    pub(crate) parameters_used: usize,
}

impl Exprs {
    /// Parses and compiles `text`; `variables[i]` is the input index of formula variable `i`.
    /// Errors are a human-readable description including the position.
    pub(crate) fn parse(
        &mut self,
        text: &str,
        variables: &[u32],
        params: Params<'_>,
    ) -> Result<Parsed, String> {
        self.nodes.clear();
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
            exprs: self,
            variables,
            params,
            parameters_used: 0,
        };
        parser.skip_ws();
        let root = parser.expression()?;
        if parser.pos != parser.text.len() {
            return Err(parser.error("unexpected character"));
        }
        let parameters_used = parser.parameters_used;
        let start = self.code.len();
        let registers = self.compile(root);
        if registers.max_depth + MAX_REGISTERS > SLOTS {
            return Err(format!(
                "formula nests too deeply (needs {} stack slots, at most {} are supported)",
                registers.max_depth,
                SLOTS - MAX_REGISTERS
            ));
        }
        let program = Program {
            start: u32::try_from(start).map_err(|_| "too many formula instructions".to_owned())?,
            len: u32::try_from(self.code.len() - start)
                .map_err(|_| "too many formula instructions".to_owned())?,
        };
        Ok(Parsed {
            program,
            parameters_used,
        })
    }

    fn push(&mut self, expr: Expr) -> ExprId {
        self.nodes.push(expr);
        // A formula with more than 2^32 nodes cannot come from a file that fits in memory.
        (self.nodes.len() - 1) as ExprId
    }

    /// Appends the instructions of the tree at `root`. Subexpressions that occur more than
    /// once (e.g. `log10(max(min(x,[1]),[0]))` in jet energy corrections) are computed at
    /// their first occurrence and stored; the formula has no branches, so every later
    /// occurrence runs after the first and loads the identical value.
    fn compile(&mut self, root: ExprId) -> Emitter {
        // Children are pushed before their parents, so one pass in order classifies them.
        let mut classes: HashMap<Shape, u32> = HashMap::new();
        let mut class = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let shape = match *node {
                Expr::Literal(v) => Shape::Literal(v.to_bits()),
                Expr::Variable(i) => Shape::Variable(i),
                Expr::Parameter(i) => Shape::Parameter(i),
                Expr::Unary(op, a) => Shape::Unary(op, class[a as usize]),
                Expr::Binary(op, a, b) => Shape::Binary(op, class[a as usize], class[b as usize]),
            };
            let next = classes.len() as u32;
            class.push(*classes.entry(shape).or_insert(next));
        }
        // Count occurrences, not descending into a repeat (its inside is computed once).
        let mut uses = vec![0u32; classes.len()];
        let mut pending = vec![root];
        while let Some(id) = pending.pop() {
            let c = class[id as usize] as usize;
            uses[c] += 1;
            if uses[c] > 1 {
                continue;
            }
            match self.nodes[id as usize] {
                Expr::Unary(_, a) => pending.push(a),
                Expr::Binary(_, a, b) => pending.extend([a, b]),
                _ => {}
            }
        }
        let mut register = vec![None; classes.len()];
        let mut next = 0u8;
        for (id, node) in self.nodes.iter().enumerate() {
            let c = class[id] as usize;
            let compound = matches!(node, Expr::Unary(..) | Expr::Binary(..));
            if compound && uses[c] > 1 && register[c].is_none() && (next as usize) < MAX_REGISTERS {
                register[c] = Some(next);
                next += 1;
            }
        }
        let mut emitter = Emitter {
            stored: vec![false; classes.len()],
            class,
            register,
            depth: 0,
            max_depth: 0,
        };
        self.emit(root, &mut emitter);
        emitter
    }

    fn op(&mut self, op: Op, e: &mut Emitter) {
        self.code.push(op);
        match op {
            Op::PushLiteral(_) | Op::PushVariable(_) | Op::PushParameter(_) | Op::Load(_) => {
                e.depth += 1;
                e.max_depth = e.max_depth.max(e.depth);
            }
            Op::Binary(_) => e.depth -= 1,
            _ => {}
        }
    }

    /// The register holding `id`'s value, if it has been computed already.
    fn stored(&self, id: ExprId, e: &Emitter) -> Option<u8> {
        let c = e.class[id as usize] as usize;
        e.register[c].filter(|_| e.stored[c])
    }

    fn emit(&mut self, id: ExprId, e: &mut Emitter) {
        if let Some(r) = self.stored(id, e) {
            self.op(Op::Load(r), e);
            return;
        }
        match self.nodes[id as usize] {
            Expr::Literal(v) => self.op(Op::PushLiteral(v), e),
            Expr::Variable(i) => self.op(Op::PushVariable(i), e),
            Expr::Parameter(i) => self.op(Op::PushParameter(i), e),
            Expr::Unary(op, arg) => {
                self.emit(arg, e);
                self.op(Op::Unary(op), e);
            }
            Expr::Binary(op, left, right) => {
                self.emit(left, e);
                let fused = match self.nodes[right as usize] {
                    Expr::Literal(v) => Some(Op::BinaryLiteral(op, v)),
                    Expr::Variable(i) => Some(Op::BinaryVariable(op, i)),
                    Expr::Parameter(i) => Some(Op::BinaryParameter(op, i)),
                    _ => self.stored(right, e).map(|r| Op::BinaryRegister(op, r)),
                };
                match fused {
                    Some(fused) => self.op(fused, e),
                    None => {
                        self.emit(right, e);
                        self.op(Op::Binary(op), e);
                    }
                }
            }
        }
        let c = e.class[id as usize] as usize;
        if let Some(r) = e.register[c] {
            self.op(Op::Store(r), e);
            e.stored[c] = true;
        }
    }

    /// Runs a compiled formula.
    pub(crate) fn run(&self, program: Program, values: &[Arg], params: &[f64]) -> f64 {
        let start = program.start as usize;
        let code = &self.code[start..start + program.len as usize];
        let variable = |i: u32| match values[i as usize] {
            Arg::Real(v) => v,
            Arg::Int(v) => v as f64,
            Arg::Key(_) => f64::NAN,
        };
        let parameter = |i: u32| params.get(i as usize).copied().unwrap_or(f64::NAN);
        // The top of the stack lives in `acc` (a register); the values below it are spilled
        // to `slots`. Indices are masked so the compiler sees them in bounds.
        const MASK: usize = SLOTS - 1;
        let register = |r: u8| (SLOTS - 1 - r as usize) & MASK;
        let mut slots = [0.0f64; SLOTS];
        let mut acc = 0.0f64;
        let mut below = 0usize;
        for op in code {
            match *op {
                Op::PushLiteral(v) => {
                    slots[below & MASK] = acc;
                    below += 1;
                    acc = v;
                }
                Op::PushVariable(i) => {
                    slots[below & MASK] = acc;
                    below += 1;
                    acc = variable(i);
                }
                Op::PushParameter(i) => {
                    slots[below & MASK] = acc;
                    below += 1;
                    acc = parameter(i);
                }
                Op::Load(r) => {
                    slots[below & MASK] = acc;
                    below += 1;
                    acc = slots[register(r)];
                }
                Op::Store(r) => slots[register(r)] = acc,
                Op::Unary(op) => acc = unary(op, acc),
                Op::Binary(op) => {
                    below -= 1;
                    acc = binary(op, slots[below & MASK], acc);
                }
                Op::BinaryLiteral(op, v) => acc = binary(op, acc, v),
                Op::BinaryVariable(op, i) => acc = binary(op, acc, variable(i)),
                Op::BinaryParameter(op, i) => acc = binary(op, acc, parameter(i)),
                Op::BinaryRegister(op, r) => acc = binary(op, acc, slots[register(r)]),
            }
        }
        acc
    }
}

// The reference calls the C math library; these four have no libm-backed equivalent in std
// (std computes acosh, asinh and atanh itself), so call libm directly for identical results.
unsafe extern "C" {
    safe fn erf(x: f64) -> f64;
    safe fn acosh(x: f64) -> f64;
    safe fn asinh(x: f64) -> f64;
    safe fn atanh(x: f64) -> f64;
}

#[inline]
fn unary(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Negative => -x,
        UnaryOp::Log => x.ln(),
        UnaryOp::Log10 => x.log10(),
        UnaryOp::Exp => x.exp(),
        UnaryOp::Erf => erf(x),
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Cos => x.cos(),
        UnaryOp::Sin => x.sin(),
        UnaryOp::Tan => x.tan(),
        UnaryOp::Acos => x.acos(),
        UnaryOp::Asin => x.asin(),
        UnaryOp::Atan => x.atan(),
        UnaryOp::Cosh => x.cosh(),
        UnaryOp::Sinh => x.sinh(),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Acosh => acosh(x),
        UnaryOp::Asinh => asinh(x),
        UnaryOp::Atanh => atanh(x),
    }
}

#[inline]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

#[inline]
fn binary(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::Or => truth(l != 0.0 || r != 0.0),
        BinaryOp::And => truth(l != 0.0 && r != 0.0),
        BinaryOp::Equal => truth(l == r),
        BinaryOp::NotEqual => truth(l != r),
        BinaryOp::Greater => truth(l > r),
        BinaryOp::Less => truth(l < r),
        BinaryOp::GreaterEq => truth(l >= r),
        BinaryOp::LessEq => truth(l <= r),
        BinaryOp::Minus => l - r,
        BinaryOp::Plus => l + r,
        BinaryOp::Div => l / r,
        BinaryOp::Times => l * r,
        BinaryOp::Pow => l.powf(r),
        BinaryOp::Atan2 => l.atan2(r),
        // std::max and std::min, including their behaviour with NaN.
        BinaryOp::Max => {
            if l < r {
                r
            } else {
                l
            }
        }
        BinaryOp::Min => {
            if r < l {
                r
            } else {
                l
            }
        }
    }
}

struct Parser<'t, 'e> {
    text: &'t [u8],
    pos: usize,
    exprs: &'e mut Exprs,
    variables: &'t [u32],
    params: Params<'t>,
    parameters_used: usize,
}

impl Parser<'_, '_> {
    fn error(&self, what: &str) -> String {
        let text = String::from_utf8_lossy(self.text);
        format!(
            "cannot parse formula at position {}: {what}\n{text}\n{}^",
            self.pos,
            " ".repeat(self.pos)
        )
    }

    fn skip_ws(&mut self) {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// Consumes `token` (then whitespace) if the text continues with it.
    fn eat(&mut self, token: &str) -> bool {
        if self.text[self.pos..].starts_with(token.as_bytes()) {
            self.pos += token.len();
            self.skip_ws();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{token}'")))
        }
    }

    /// `ATOM (BINARYOP ATOM)*`, resolved by precedence climbing.
    fn expression(&mut self) -> Result<ExprId, String> {
        let first = self.atom()?;
        self.climb(first, 0)
    }

    fn peek_operator(&self) -> Option<(usize, BinaryOp, u8)> {
        let rest = &self.text[self.pos..];
        OPERATORS
            .iter()
            .find(|(token, _, _)| rest.starts_with(token.as_bytes()))
            .map(|&(token, op, prec)| (token.len(), op, prec))
    }

    fn climb(&mut self, mut left: ExprId, min_prec: u8) -> Result<ExprId, String> {
        while let Some((len, op, prec)) = self.peek_operator() {
            if prec < min_prec {
                break;
            }
            self.pos += len;
            self.skip_ws();
            let mut right = self.atom()?;
            while let Some((_, _, next)) = self.peek_operator() {
                let binds_tighter = next > prec || (next == prec && next == POW_PRECEDENCE);
                if !binds_tighter {
                    break;
                }
                right = self.climb(right, next)?;
            }
            left = self.exprs.push(Expr::Binary(op, left, right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<ExprId, String> {
        if let Some(value) = self.literal() {
            let id = self.exprs.push(Expr::Literal(value));
            self.skip_ws();
            return Ok(id);
        }
        let negate = self.eat("-");
        let inner = self.unsigned_atom()?;
        Ok(if negate {
            self.exprs.push(Expr::Unary(UnaryOp::Negative, inner))
        } else {
            inner
        })
    }

    /// `'-'? [0-9]+ ('.' [0-9]*)? ('e' '-'? [0-9]+)?`, without surrounding whitespace.
    fn literal(&mut self) -> Option<f64> {
        let text = self.text;
        let digits = |mut at: usize| {
            let start = at;
            while text.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            (at > start).then_some(at)
        };
        let start = self.pos;
        let mut at = start;
        if text.get(at) == Some(&b'-') {
            at += 1;
        }
        let mut end = digits(at)?;
        let mut normalized = String::from_utf8_lossy(&text[start..end]).into_owned();
        if text.get(end) == Some(&b'.') {
            let frac_end = digits(end + 1).unwrap_or(end + 1);
            normalized.push('.');
            normalized.push_str(&String::from_utf8_lossy(&text[end + 1..frac_end]));
            normalized.push('0');
            end = frac_end;
        }
        if text.get(end) == Some(&b'e') {
            let mut exp_at = end + 1;
            if text.get(exp_at) == Some(&b'-') {
                exp_at += 1;
            }
            if let Some(exp_end) = digits(exp_at) {
                normalized.push_str(&String::from_utf8_lossy(&text[end..exp_end]));
                end = exp_end;
            }
        }
        let value = normalized.parse::<f64>().ok()?;
        self.pos = end;
        Some(value)
    }

    /// A name followed by `(`: the longest matching function name wins, as in the reference.
    fn function<T: Copy>(&self, table: &[(&str, T)]) -> Option<(usize, T)> {
        let rest = &self.text[self.pos..];
        table
            .iter()
            .filter(|(name, _)| rest.starts_with(name.as_bytes()))
            .max_by_key(|(name, _)| name.len())
            .map(|&(name, op)| (name.len(), op))
    }

    /// Whether, after skipping `len` bytes and whitespace, an opening parenthesis follows.
    fn call_follows(&self, len: usize) -> bool {
        let mut at = self.pos + len;
        while matches!(self.text.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        self.text.get(at) == Some(&b'(')
    }

    fn unsigned_atom(&mut self) -> Result<ExprId, String> {
        if let Some((len, op)) = self.function(&UNARY_FUNCTIONS) {
            if self.call_follows(len) {
                self.pos += len;
                self.skip_ws();
                self.expect("(")?;
                let arg = self.expression()?;
                self.expect(")")?;
                return Ok(self.exprs.push(Expr::Unary(op, arg)));
            }
        }
        if let Some((len, op)) = self.function(&BINARY_FUNCTIONS) {
            if self.call_follows(len) {
                self.pos += len;
                self.skip_ws();
                self.expect("(")?;
                let left = self.expression()?;
                self.expect(",")?;
                let right = self.expression()?;
                self.expect(")")?;
                return Ok(self.exprs.push(Expr::Binary(op, left, right)));
            }
        }
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                self.skip_ws();
                let index = self.index()?;
                self.skip_ws();
                self.expect("]")?;
                self.parameter(index)
            }
            Some(b'x') if self.text.get(self.pos + 1) == Some(&b'[') => {
                let save = self.pos;
                self.pos += 2;
                match self.index() {
                    Ok(index) if self.peek() == Some(b']') => {
                        self.pos += 1;
                        self.skip_ws();
                        self.variable(index)
                    }
                    _ => {
                        // Not `x[N]`: the grammar falls back to the plain variable `x`.
                        self.pos = save + 1;
                        self.skip_ws();
                        self.variable(0)
                    }
                }
            }
            Some(c @ (b'x' | b'y' | b'z' | b't')) => {
                self.pos += 1;
                self.skip_ws();
                let index = match c {
                    b'x' => 0,
                    b'y' => 1,
                    b'z' => 2,
                    _ => 3,
                };
                self.variable(index)
            }
            Some(b'(') => {
                self.pos += 1;
                self.skip_ws();
                let inner = self.expression()?;
                self.expect(")")?;
                Ok(inner)
            }
            _ => Err(self.error("expected a number, variable, parameter, function or '('")),
        }
    }

    fn index(&mut self) -> Result<usize, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        std::str::from_utf8(&self.text[start..self.pos])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.error("expected an index"))
    }

    fn variable(&mut self, index: usize) -> Result<ExprId, String> {
        match self.variables.get(index) {
            Some(&input) => Ok(self.exprs.push(Expr::Variable(input))),
            None => Err(format!(
                "formula uses variable {index} but only {} variables are declared",
                self.variables.len()
            )),
        }
    }

    fn parameter(&mut self, index: usize) -> Result<ExprId, String> {
        match self.params {
            Params::Bind(values) => match values.get(index) {
                Some(&value) => Ok(self.exprs.push(Expr::Literal(value))),
                None => Err(format!(
                    "formula uses parameter [{index}] but only {} parameters are given",
                    values.len()
                )),
            },
            Params::Generic => {
                let slot = u32::try_from(index)
                    .map_err(|_| format!("parameter index [{index}] is too large"))?;
                self.parameters_used = self.parameters_used.max(index + 1);
                Ok(self.exprs.push(Expr::Parameter(slot)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, vars: &[f64], params: &[f64]) -> f64 {
        let mut exprs = Exprs::default();
        let variables: Vec<u32> = (0..vars.len() as u32).collect();
        let parsed = exprs.parse(text, &variables, Params::Bind(params)).unwrap();
        let values: Vec<Arg> = vars.iter().map(|&v| Arg::Real(v)).collect();
        exprs.run(parsed.program, &values, &[])
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(eval("1+2*3", &[], &[]), 7.0);
        assert_eq!(eval("2^3^2", &[], &[]), 512.0);
        assert_eq!(eval("8-3-2", &[], &[]), 3.0);
        assert_eq!(eval("8/4/2", &[], &[]), 1.0);
        assert_eq!(eval("1+2>2&&3==3||0", &[], &[]), 1.0);
        assert_eq!(eval("2*3^2", &[], &[]), 18.0);
    }

    #[test]
    fn unary_minus_binds_tighter_than_power() {
        assert_eq!(eval("-2^2", &[], &[]), 4.0);
        assert_eq!(eval("-x^2", &[3.0], &[]), 9.0);
        assert_eq!(eval("0-x^2", &[3.0], &[]), -9.0);
    }

    #[test]
    fn functions_variables_parameters() {
        let v = eval(
            "[0]*max(min(x,[3]),[2])+[1]",
            &[50.0],
            &[2.0, 1.0, 10.0, 40.0],
        );
        assert_eq!(v, 81.0);
        assert_eq!(eval("log10(x[1])", &[0.0, 100.0], &[]), 2.0);
        assert_eq!(
            eval("atan2(y, x)", &[0.0, 1.0], &[]),
            std::f64::consts::FRAC_PI_2
        );
        assert_eq!(eval(" pow( x ,2 ) ", &[3.0], &[]), 9.0);
        assert_eq!(eval("1.e1+2.5e-1", &[], &[]), 10.25);
    }

    #[test]
    fn repeated_subexpressions_are_computed_once() {
        let mut exprs = Exprs::default();
        let parsed = exprs
            .parse("log10(x)*log10(x)+log10(x)", &[0], Params::Bind(&[]))
            .unwrap();
        let reuses = exprs
            .code
            .iter()
            .filter(|op| matches!(op, Op::Load(_) | Op::BinaryRegister(..)))
            .count();
        assert_eq!(reuses, 2);
        let logs = exprs
            .code
            .iter()
            .filter(|op| matches!(op, Op::Unary(UnaryOp::Log10)))
            .count();
        assert_eq!(logs, 1);
        assert_eq!(exprs.run(parsed.program, &[Arg::Real(100.0)], &[]), 6.0);
    }

    #[test]
    fn max_and_min_follow_std_with_nan() {
        assert!(eval("max(x,1)", &[f64::NAN], &[]).is_nan());
        assert_eq!(eval("max(1,x)", &[f64::NAN], &[]), 1.0);
        assert!(eval("min(x,1)", &[f64::NAN], &[]).is_nan());
    }

    #[test]
    fn rejects_what_the_reference_rejects() {
        let mut exprs = Exprs::default();
        for bad in ["1e+5", "x y", "foo(x)", ".5", "x[1]", "[2]", "(x", "x+"] {
            assert!(
                exprs.parse(bad, &[0], Params::Bind(&[1.0])).is_err(),
                "{bad} should not parse"
            );
        }
    }
}
