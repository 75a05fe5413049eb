//! Evaluating a variable's expression over a batch of events, the way awkward broadcasts.
//!
//! Every column is converted to `f64` once per batch (Float32/64, Int8…64, UInt8…64 and
//! Boolean as 0/1), then operators run as typed loops over value slices: the operator is chosen
//! once per node, never per element. A value is one of three shapes:
//!
//! - a constant (a literal, or a sub-expression of literals only: folded, never an array);
//! - flat, one value per event (`MET.pt`, `Jet.pt[:,0]`, `ht`);
//! - jagged, a list of values per event (`Jet.pt`).
//!
//! Flat with flat stays flat; flat with jagged broadcasts the event's value over its objects;
//! jagged with jagged needs the same number of values in every event. A null operand gives a
//! null result (a null event value next to a list makes the whole list null, as in awkward).
//! Division by zero follows IEEE (`inf`, `NaN`); `min` and `max` return `NaN` when an argument
//! is `NaN`, like numpy's `minimum`/`maximum`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, ListArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use cf_columns::{normalized, Events, Route};

use crate::expr::{BinOp, Expr, Func};
use crate::model::Variable;

/// The result of evaluating an expression over a batch: one value per event, or a list of
/// values per event.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// One value per event (null where an input was null).
    Flat(Float64Array),
    /// A list of `Float64` values per event (`List<Float64>`, 32-bit offsets).
    Jagged(ListArray),
}

impl Values {
    /// The values as an Arrow array (`Float64` or `List<Float64>`).
    pub fn into_array(self) -> ArrayRef {
        match self {
            Values::Flat(array) => Arc::new(array),
            Values::Jagged(array) => Arc::new(array),
        }
    }
}

/// Why an expression cannot be evaluated over a batch.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The expression reads a column the batch does not have.
    #[error(
        "{} reads `{route}`, which is not in the events (available: {available}); produce it in an earlier step or change the expression",
        origin(.variable, .expression)
    )]
    MissingColumn {
        /// The variable evaluated, if the expression belongs to one.
        variable: Option<String>,
        /// The expression as written (or printed, for a bare [`Expr`]).
        expression: String,
        /// The missing column.
        route: Route,
        /// The top-level columns the batch has.
        available: String,
    },
    /// A column exists but cannot be read as the route asks (e.g. `[:,0]` on a flat column).
    #[error("{} cannot read `{route}`: {source}", origin(.variable, .expression))]
    Column {
        /// The variable evaluated, if the expression belongs to one.
        variable: Option<String>,
        /// The expression as written (or printed, for a bare [`Expr`]).
        expression: String,
        /// The column.
        route: Route,
        /// What went wrong reading it (boxed: it is large, and rare).
        source: Box<cf_columns::Error>,
    },
    /// A column holds values that are not numbers (text, records, nested lists).
    #[error(
        "{} reads `{route}` of type {data_type}; expressions compute on numbers and booleans, one per event or a list per event",
        origin(.variable, .expression)
    )]
    UnsupportedType {
        /// The variable evaluated, if the expression belongs to one.
        variable: Option<String>,
        /// The expression as written (or printed, for a bare [`Expr`]).
        expression: String,
        /// The column.
        route: Route,
        /// Its Arrow type.
        data_type: String,
    },
    /// Two per-object operands have different numbers of values in an event.
    #[error(
        "{}: `{left}` and `{right}` have different numbers of values in event {event} ({left_count} and {right_count}); per-object operands must come from the same collection (or pick one object with `[:,i]`)",
        origin(.variable, .expression)
    )]
    CountMismatch {
        /// The variable evaluated, if the expression belongs to one.
        variable: Option<String>,
        /// The expression as written (or printed, for a bare [`Expr`]).
        expression: String,
        /// The left operand.
        left: String,
        /// The right operand.
        right: String,
        /// The first event (index in the batch) where the counts differ.
        event: usize,
        /// Number of values of the left operand in that event.
        left_count: usize,
        /// Number of values of the right operand in that event.
        right_count: usize,
    },
    /// A function called with a number of arguments it does not take (`abs()`, `max(x)`).
    #[error(
        "{} calls `{function}` with {found} argument(s); abs, sqrt, log and exp take one, min and max two or more",
        origin(.variable, .expression)
    )]
    Arity {
        /// The variable evaluated, if the expression belongs to one.
        variable: Option<String>,
        /// The expression as written (or printed, for a bare [`Expr`]).
        expression: String,
        /// The function.
        function: &'static str,
        /// The number of arguments given.
        found: usize,
    },
}

fn origin(variable: &Option<String>, expression: &str) -> String {
    match variable {
        Some(name) => format!("variable `{name}` (`{expression}`)"),
        None => format!("expression `{expression}`"),
    }
}

impl Expr {
    /// Evaluates the expression over a batch of events; see the module docs for the semantics.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{types::Float32Type, Array, Float32Array, ListArray};
    /// use cf_columns::{Events, Route};
    /// use cf_config::{Expr, Values};
    ///
    /// let mut events = Events::with_num_events(2);
    /// let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
    ///     Some(vec![Some(50.0), Some(30.0)]),
    ///     Some(vec![Some(40.0)]),
    /// ]);
    /// events.set_column(&Route::parse("Jet.pt")?, Arc::new(pt))?;
    /// events.set_column(&Route::parse("ht")?, Arc::new(Float32Array::from(vec![80.0, 40.0])))?;
    ///
    /// let Values::Flat(sum) = Expr::parse("Jet.pt[:,0] + Jet.pt[:,1]").unwrap().evaluate(&events)? else {
    ///     unreachable!("indexed routes are flat")
    /// };
    /// assert_eq!(sum.value(0), 80.0);
    /// assert!(sum.is_null(1)); // the second event has one jet
    ///
    /// let Values::Jagged(share) = Expr::parse("Jet.pt / ht").unwrap().evaluate(&events)? else {
    ///     unreachable!("Jet.pt is per jet")
    /// };
    /// assert_eq!(share.value(0).len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(&self, events: &Events) -> Result<Values, EvalError> {
        Evaluator::new(events, None, || self.to_string()).run(self)
    }
}

impl Variable {
    /// Evaluates the variable's expression over a batch: a `Float64` array (one value per
    /// event) or a `List<Float64>` array (a list per event). Where the result is null it holds
    /// `null_value` when the variable has one; otherwise it stays null (a histogram fill skips
    /// it). In a list, null values are replaced; an event whose whole list is null stays null.
    pub fn evaluate(&self, events: &Events) -> Result<ArrayRef, EvalError> {
        let values = Evaluator::new(events, Some(&self.name), || self.expression_text.clone())
            .run(&self.expression)?;
        let Some(fill) = self.null_value else {
            return Ok(values.into_array());
        };
        Ok(match values {
            Values::Flat(array) => Arc::new(fill_nulls(&array, fill)),
            Values::Jagged(list) => {
                let (offsets, values) = normalized(&list);
                let values = fill_nulls(values.as_primitive::<Float64Type>(), fill);
                Arc::new(list_array(offsets, values, list.nulls().cloned()))
            }
        })
    }
}

fn fill_nulls(array: &Float64Array, fill: f64) -> Float64Array {
    match array.nulls() {
        None => array.clone(),
        Some(nulls) => {
            let values: Vec<f64> = array
                .values()
                .iter()
                .zip(nulls.iter())
                .map(|(&v, valid)| if valid { v } else { fill })
                .collect();
            Float64Array::new(values.into(), None)
        }
    }
}

fn list_array(
    offsets: OffsetBuffer<i32>,
    values: Float64Array,
    lists: Option<NullBuffer>,
) -> ListArray {
    let item = Field::new("item", DataType::Float64, values.null_count() > 0);
    ListArray::new(Arc::new(item), offsets, Arc::new(values), lists)
}

/// A list of values per event, offsets starting at 0.
#[derive(Clone)]
struct Jagged<'a> {
    offsets: OffsetBuffer<i32>,
    values: ScalarBuffer<f64>,
    /// Validity per value.
    nulls: Option<NullBuffer>,
    /// Validity per event (a null list).
    lists: Option<NullBuffer>,
    /// The sub-expression that made it, for count-mismatch messages.
    origin: &'a Expr,
}

#[derive(Clone)]
enum Val<'a> {
    Const(f64),
    Flat {
        values: ScalarBuffer<f64>,
        nulls: Option<NullBuffer>,
    },
    Jagged(Jagged<'a>),
}

struct Evaluator<'a, 'e, T> {
    events: &'e Events,
    variable: Option<&'a str>,
    /// The expression text for messages, made only when an error is reported.
    text: T,
    /// Routes the expression reads more than once: converted once, kept for the next use.
    repeated: Vec<&'a Route>,
    /// Those of `repeated` already converted in this batch. Others are not kept, so that the
    /// operators may reuse their buffers in place.
    columns: Vec<(&'a Route, Val<'a>)>,
}

impl<'a, 'e, T: Fn() -> String> Evaluator<'a, 'e, T> {
    fn new(events: &'e Events, variable: Option<&'a String>, text: T) -> Self {
        Evaluator {
            events,
            variable: variable.map(String::as_str),
            text,
            repeated: Vec::new(),
            columns: Vec::new(),
        }
    }

    fn run(mut self, expr: &'a Expr) -> Result<Values, EvalError> {
        let mut seen = Vec::new();
        repeated_routes(expr, &mut seen, &mut self.repeated);
        Ok(match self.eval(expr)? {
            Val::Const(c) => Values::Flat(Float64Array::from(vec![c; self.events.num_events()])),
            Val::Flat { values, nulls } => Values::Flat(Float64Array::new(values, nulls)),
            Val::Jagged(j) => Values::Jagged(list_array(
                j.offsets,
                Float64Array::new(j.values, j.nulls),
                j.lists,
            )),
        })
    }

    fn eval(&mut self, expr: &'a Expr) -> Result<Val<'a>, EvalError> {
        Ok(match expr {
            Expr::Number(v) => Val::Const(*v),
            Expr::Route(route) => self.column(route, expr)?,
            Expr::Neg(e) => unary(self.eval(e)?, expr, |x| -x),
            Expr::Binary(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                match op {
                    BinOp::Add => self.binary(a, b, expr, |x, y| x + y)?,
                    BinOp::Sub => self.binary(a, b, expr, |x, y| x - y)?,
                    BinOp::Mul => self.binary(a, b, expr, |x, y| x * y)?,
                    BinOp::Div => self.binary(a, b, expr, |x, y| x / y)?,
                }
            }
            Expr::Call(func, args) => {
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(self.eval(arg)?);
                }
                let mut values = values.into_iter();
                let first = match values.next() {
                    Some(first) if func.arity_ok(args.len()) => first,
                    // Only a hand-built `Expr` gets here: the parser checks arity.
                    _ => {
                        return Err(EvalError::Arity {
                            variable: self.variable.map(str::to_string),
                            expression: (self.text)(),
                            function: func.name(),
                            found: args.len(),
                        })
                    }
                };
                match func {
                    Func::Abs => unary(first, expr, f64::abs),
                    Func::Sqrt => unary(first, expr, f64::sqrt),
                    Func::Log => unary(first, expr, f64::ln),
                    Func::Exp => unary(first, expr, f64::exp),
                    Func::Min => values.try_fold(first, |acc, v| self.binary(acc, v, expr, min))?,
                    Func::Max => values.try_fold(first, |acc, v| self.binary(acc, v, expr, max))?,
                }
            }
        })
    }

    fn column(&mut self, route: &'a Route, expr: &'a Expr) -> Result<Val<'a>, EvalError> {
        if let Some((_, val)) = self.columns.iter().find(|(r, _)| *r == route) {
            return Ok(val.clone());
        }
        let array = self.events.column(route).map_err(|source| match source {
            cf_columns::Error::MissingColumn { available, .. } => EvalError::MissingColumn {
                variable: self.variable.map(str::to_string),
                expression: (self.text)(),
                route: route.clone(),
                available,
            },
            source => EvalError::Column {
                variable: self.variable.map(str::to_string),
                expression: (self.text)(),
                route: route.clone(),
                source: Box::new(source),
            },
        })?;
        let unsupported = |data_type: &DataType| EvalError::UnsupportedType {
            variable: self.variable.map(str::to_string),
            expression: (self.text)(),
            route: route.clone(),
            data_type: data_type.to_string(),
        };
        let val = match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                let (offsets, values) = normalized(list);
                let converted = to_f64(&values).ok_or_else(|| unsupported(array.data_type()))?;
                Val::Jagged(Jagged {
                    offsets,
                    values: converted,
                    nulls: values.nulls().cloned(),
                    lists: list.nulls().cloned(),
                    origin: expr,
                })
            }
            data_type => Val::Flat {
                values: to_f64(&array).ok_or_else(|| unsupported(data_type))?,
                nulls: array.nulls().cloned(),
            },
        };
        if self.repeated.contains(&route) {
            self.columns.push((route, val.clone()));
        }
        Ok(val)
    }

    fn binary(
        &self,
        a: Val<'a>,
        b: Val<'a>,
        expr: &'a Expr,
        f: impl Fn(f64, f64) -> f64 + Copy,
    ) -> Result<Val<'a>, EvalError> {
        Ok(match (a, b) {
            (Val::Const(x), Val::Const(y)) => Val::Const(f(x, y)),
            (Val::Const(x), Val::Flat { values, nulls }) => Val::Flat {
                values: map(values, |y| f(x, y)),
                nulls,
            },
            (Val::Flat { values, nulls }, Val::Const(y)) => Val::Flat {
                values: map(values, |x| f(x, y)),
                nulls,
            },
            (
                Val::Flat {
                    values: x,
                    nulls: nx,
                },
                Val::Flat {
                    values: y,
                    nulls: ny,
                },
            ) => Val::Flat {
                values: zip(x, y, f),
                nulls: NullBuffer::union(nx.as_ref(), ny.as_ref()),
            },
            (Val::Const(x), Val::Jagged(j)) => Val::Jagged(Jagged {
                values: map(j.values, |y| f(x, y)),
                origin: expr,
                ..j
            }),
            (Val::Jagged(j), Val::Const(y)) => Val::Jagged(Jagged {
                values: map(j.values, |x| f(x, y)),
                origin: expr,
                ..j
            }),
            (Val::Flat { values, nulls }, Val::Jagged(j)) => {
                broadcast(&values, nulls.as_ref(), j, expr, f)
            }
            (Val::Jagged(j), Val::Flat { values, nulls }) => {
                broadcast(&values, nulls.as_ref(), j, expr, move |s, x| f(x, s))
            }
            (Val::Jagged(a), Val::Jagged(b)) => {
                self.same_counts(&a, &b)?;
                Val::Jagged(Jagged {
                    values: zip(a.values, b.values, f),
                    nulls: NullBuffer::union(a.nulls.as_ref(), b.nulls.as_ref()),
                    lists: NullBuffer::union(a.lists.as_ref(), b.lists.as_ref()),
                    offsets: a.offsets,
                    origin: expr,
                })
            }
        })
    }

    fn same_counts(&self, a: &Jagged<'a>, b: &Jagged<'a>) -> Result<(), EvalError> {
        // Fields of one collection share their offsets buffer: equal without looking.
        if a.offsets.inner().inner().ptr_eq(b.offsets.inner().inner()) || a.offsets == b.offsets {
            return Ok(());
        }
        // Both start at 0, so the first differing per-event length is the first mismatch.
        let mismatch = a
            .offsets
            .windows(2)
            .zip(b.offsets.windows(2))
            .map(|(x, y)| ((x[1] - x[0]) as usize, (y[1] - y[0]) as usize))
            .enumerate()
            .find(|(_, (x, y))| x != y);
        let (event, (left_count, right_count)) = mismatch.unwrap_or((0, (0, 0)));
        Err(EvalError::CountMismatch {
            variable: self.variable.map(str::to_string),
            expression: (self.text)(),
            left: a.origin.to_string(),
            right: b.origin.to_string(),
            event,
            left_count,
            right_count,
        })
    }
}

/// Collects into `repeated` the routes met a second time in `expr`.
fn repeated_routes<'a>(expr: &'a Expr, seen: &mut Vec<&'a Route>, repeated: &mut Vec<&'a Route>) {
    match expr {
        Expr::Number(_) => {}
        Expr::Route(route) => {
            if !seen.contains(&route) {
                seen.push(route);
            } else if !repeated.contains(&route) {
                repeated.push(route);
            }
        }
        Expr::Neg(e) => repeated_routes(e, seen, repeated),
        Expr::Binary(_, a, b) => {
            repeated_routes(a, seen, repeated);
            repeated_routes(b, seen, repeated);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| repeated_routes(a, seen, repeated)),
    }
}

fn unary<'a>(val: Val<'a>, expr: &'a Expr, f: impl Fn(f64) -> f64 + Copy) -> Val<'a> {
    match val {
        Val::Const(x) => Val::Const(f(x)),
        Val::Flat { values, nulls } => Val::Flat {
            values: map(values, f),
            nulls,
        },
        Val::Jagged(j) => Val::Jagged(Jagged {
            values: map(j.values, f),
            origin: expr,
            ..j
        }),
    }
}

/// `f` of every value, in place when the buffer is this evaluation's own: a temporary is
/// not allocated (and page-faulted) again for every operator.
fn map(values: ScalarBuffer<f64>, f: impl Fn(f64) -> f64) -> ScalarBuffer<f64> {
    match values.into_inner().into_vec::<f64>() {
        Ok(mut own) => {
            own.iter_mut().for_each(|x| *x = f(*x));
            own.into()
        }
        Err(shared) => ScalarBuffer::<f64>::from(shared)
            .iter()
            .map(|&x| f(x))
            .collect::<Vec<f64>>()
            .into(),
    }
}

/// `f` of the values pairwise, in place in whichever buffer is this evaluation's own.
fn zip(
    a: ScalarBuffer<f64>,
    b: ScalarBuffer<f64>,
    f: impl Fn(f64, f64) -> f64,
) -> ScalarBuffer<f64> {
    let a = match a.into_inner().into_vec::<f64>() {
        Ok(mut own) => {
            own.iter_mut()
                .zip(b.iter())
                .for_each(|(x, &y)| *x = f(*x, y));
            return own.into();
        }
        Err(shared) => ScalarBuffer::<f64>::from(shared),
    };
    match b.into_inner().into_vec::<f64>() {
        Ok(mut own) => {
            own.iter_mut()
                .zip(a.iter())
                .for_each(|(y, &x)| *y = f(x, *y));
            own.into()
        }
        Err(shared) => a
            .iter()
            .zip(ScalarBuffer::<f64>::from(shared).iter())
            .map(|(&x, &y)| f(x, y))
            .collect::<Vec<f64>>()
            .into(),
    }
}

/// `f(event value, object value)` for every object; a null event value nulls the whole list.
fn broadcast<'a>(
    flat: &[f64],
    flat_nulls: Option<&NullBuffer>,
    j: Jagged<'a>,
    expr: &'a Expr,
    f: impl Fn(f64, f64) -> f64,
) -> Val<'a> {
    let mut values = match j.values.into_inner().into_vec::<f64>() {
        Ok(own) => own,
        Err(shared) => ScalarBuffer::<f64>::from(shared).to_vec(),
    };
    for (&s, w) in flat.iter().zip(j.offsets.windows(2)) {
        let objects = &mut values[w[0] as usize..w[1] as usize];
        objects.iter_mut().for_each(|x| *x = f(s, *x));
    }
    Val::Jagged(Jagged {
        values: values.into(),
        lists: NullBuffer::union(j.lists.as_ref(), flat_nulls),
        origin: expr,
        offsets: j.offsets,
        nulls: j.nulls,
    })
}

fn min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.min(y)
    }
}

fn max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        x.max(y)
    }
}

/// The values of a flat numeric or boolean array as `f64` (null slots hold whatever the array
/// holds there); `None` for any other type.
fn to_f64(array: &ArrayRef) -> Option<ScalarBuffer<f64>> {
    fn cast<T: arrow_array::ArrowPrimitiveType>(
        array: &ArrayRef,
        f: impl Fn(T::Native) -> f64,
    ) -> ScalarBuffer<f64> {
        map_native(array.as_primitive::<T>().values(), f)
    }
    fn map_native<N: Copy>(values: &[N], f: impl Fn(N) -> f64) -> ScalarBuffer<f64> {
        values.iter().map(|&v| f(v)).collect::<Vec<f64>>().into()
    }
    Some(match array.data_type() {
        // Already f64: share the buffer.
        DataType::Float64 => array.as_primitive::<Float64Type>().values().clone(),
        DataType::Float32 => cast::<Float32Type>(array, f64::from),
        DataType::Int8 => cast::<Int8Type>(array, f64::from),
        DataType::Int16 => cast::<Int16Type>(array, f64::from),
        DataType::Int32 => cast::<Int32Type>(array, f64::from),
        DataType::Int64 => cast::<Int64Type>(array, |v| v as f64),
        DataType::UInt8 => cast::<UInt8Type>(array, f64::from),
        DataType::UInt16 => cast::<UInt16Type>(array, f64::from),
        DataType::UInt32 => cast::<UInt32Type>(array, f64::from),
        DataType::UInt64 => cast::<UInt64Type>(array, |v| v as f64),
        DataType::Boolean => array
            .as_boolean()
            .values()
            .iter()
            .map(|b| if b { 1.0 } else { 0.0 })
            .collect::<Vec<f64>>()
            .into(),
        _ => return None,
    })
}
