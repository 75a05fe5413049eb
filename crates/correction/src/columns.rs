//! Vectorised evaluation over Arrow arrays.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, LargeStringArray, ListArray, StringArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use rayon::prelude::*;

use crate::correction::{check_count, Kernel};
use crate::error::{Error, Result};
use crate::node::{Arg, Dictionary};
use crate::{InputType, Value};

/// Elements evaluated per task; large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 4096;

/// Inputs shorter than this are evaluated on the calling thread.
pub const PARALLEL_MIN_ELEMENTS: usize = 4 * CHUNK;

/// One input of a vectorised evaluation.
///
/// Arrays may be flat (`Float64`, `Float32`, any integer type, `Utf8`, `LargeUtf8`) or jagged
/// (`List` of those). All jagged inputs must have the same list lengths; the output is then a
/// `List<Float64>` with those lists. A flat array next to jagged ones holds one value per list
/// and is repeated for each element of its list (e.g. an event's `rho` for each of its jets).
/// Without jagged inputs, flat arrays must have equal lengths. A scalar is repeated everywhere.
/// `real` inputs accept float and integer arrays; `int` inputs accept integer arrays only.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    /// The same value for every element.
    Scalar(Value<'a>),
    /// One value per element (or per list, next to jagged inputs).
    Array(&'a dyn Array),
}

impl<'a> From<Value<'a>> for Column<'a> {
    fn from(value: Value<'a>) -> Self {
        Column::Scalar(value)
    }
}

impl<'a> From<&'a dyn Array> for Column<'a> {
    fn from(array: &'a dyn Array) -> Self {
        Column::Array(array)
    }
}

impl<'a> From<&'a ArrayRef> for Column<'a> {
    fn from(array: &'a ArrayRef) -> Self {
        Column::Array(array.as_ref())
    }
}

/// Typed access to one input's values.
enum Data<'a> {
    Const(Value<'a>),
    F64(&'a [f64]),
    F32(&'a [f32]),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    Str(&'a StringArray),
    LargeStr(&'a LargeStringArray),
}

struct Source<'a> {
    data: Data<'a>,
    /// Integers feed a `real` input as floats.
    real: bool,
    /// Indexed by list rather than by element (a flat array next to jagged ones).
    per_list: bool,
}

macro_rules! integer_arg {
    ($s:expr, $i:expr, $real:expr) => {{
        let v = $s[$i];
        if $real {
            Arg::Real(v as f64)
        } else {
            Arg::Int(v as i64)
        }
    }};
}

macro_rules! integer {
    ($s:expr, $i:expr, $real:expr) => {{
        let v = $s[$i];
        if $real {
            Value::Real(v as f64)
        } else {
            Value::Int(v as i64)
        }
    }};
}

impl<'a> Source<'a> {
    #[inline(always)]
    fn get(&self, i: usize) -> Value<'a> {
        match &self.data {
            Data::Const(v) => *v,
            Data::F64(s) => Value::Real(s[i]),
            Data::F32(s) => Value::Real(f64::from(s[i])),
            Data::I8(s) => integer!(s, i, self.real),
            Data::I16(s) => integer!(s, i, self.real),
            Data::I32(s) => integer!(s, i, self.real),
            Data::I64(s) => integer!(s, i, self.real),
            Data::U8(s) => integer!(s, i, self.real),
            Data::U16(s) => integer!(s, i, self.real),
            Data::U32(s) => integer!(s, i, self.real),
            Data::U64(s) => integer!(s, i, self.real),
            Data::Str(a) => Value::Str(a.value(i)),
            Data::LargeStr(a) => Value::Str(a.value(i)),
        }
    }

    /// The value as the compiled tree reads it.
    #[inline(always)]
    fn arg(&self, i: usize, dictionary: &Dictionary) -> Arg {
        match &self.data {
            Data::Const(v) => dictionary.arg(*v),
            Data::F64(s) => Arg::Real(s[i]),
            Data::F32(s) => Arg::Real(f64::from(s[i])),
            Data::I8(s) => integer_arg!(s, i, self.real),
            Data::I16(s) => integer_arg!(s, i, self.real),
            Data::I32(s) => integer_arg!(s, i, self.real),
            Data::I64(s) => integer_arg!(s, i, self.real),
            Data::U8(s) => integer_arg!(s, i, self.real),
            Data::U16(s) => integer_arg!(s, i, self.real),
            Data::U32(s) => integer_arg!(s, i, self.real),
            Data::U64(s) => integer_arg!(s, i, self.real),
            Data::Str(a) => Arg::Key(dictionary.id(a.value(i))),
            Data::LargeStr(a) => Arg::Key(dictionary.id(a.value(i))),
        }
    }
}

/// An input after unwrapping lists: the flat values to read.
enum Prepared<'a> {
    Scalar(Value<'a>),
    Flat(&'a dyn Array),
    Jagged(ArrayRef),
}

pub(crate) fn evaluate_columns<K: Kernel>(kernel: &K, columns: &[Column<'_>]) -> Result<ArrayRef> {
    check_count(kernel, columns.len())?;
    let vars = kernel.kernel_inputs();
    let name = |k: usize| vars[k].name().to_owned();
    let correction = || kernel.kernel_name().to_owned();

    // The first jagged input's offsets (rebased to start at 0) and list count.
    let mut lists: Option<(Vec<i32>, usize)> = None;
    let mut prepared = Vec::with_capacity(columns.len());
    for (k, column) in columns.iter().enumerate() {
        let array = match column {
            Column::Scalar(value) => {
                if value.input_type() != vars[k].input_type() {
                    return Err(Error::InputType {
                        correction: correction(),
                        input: name(k),
                        expected: vars[k].input_type(),
                        got: value.input_type(),
                    });
                }
                prepared.push(Prepared::Scalar(*value));
                continue;
            }
            Column::Array(array) => *array,
        };
        if array.null_count() > 0 {
            return Err(Error::NullInput {
                correction: correction(),
                input: name(k),
            });
        }
        let Some(list) = array.as_list_opt::<i32>() else {
            prepared.push(Prepared::Flat(array));
            continue;
        };
        let offsets = list.value_offsets();
        let base = offsets[0];
        let rebased: Vec<i32> = offsets.iter().map(|o| o - base).collect();
        let total = rebased[rebased.len() - 1] as usize;
        let values = list.values().slice(base as usize, total);
        if values.null_count() > 0 {
            return Err(Error::NullInput {
                correction: correction(),
                input: name(k),
            });
        }
        match &lists {
            Some((first, _)) if *first != rebased => {
                return Err(Error::OffsetsMismatch {
                    correction: correction(),
                    input: name(k),
                })
            }
            Some(_) => {}
            None => lists = Some((rebased, list.len())),
        }
        prepared.push(Prepared::Jagged(values));
    }

    let (len, per_list_len) = match &lists {
        Some((offsets, count)) => (offsets[offsets.len() - 1] as usize, Some(*count)),
        None => {
            let len = prepared
                .iter()
                .find_map(|p| match p {
                    Prepared::Flat(a) => Some(a.len()),
                    _ => None,
                })
                .unwrap_or(1);
            (len, None)
        }
    };

    let mut sources = Vec::with_capacity(prepared.len());
    for (k, p) in prepared.iter().enumerate() {
        let (array, per_list): (&dyn Array, bool) = match p {
            Prepared::Scalar(value) => {
                sources.push(Source {
                    data: Data::Const(*value),
                    real: false,
                    per_list: false,
                });
                continue;
            }
            Prepared::Flat(array) => (*array, per_list_len.is_some()),
            Prepared::Jagged(values) => (values.as_ref(), false),
        };
        let expected = if per_list {
            per_list_len.unwrap_or(len)
        } else {
            len
        };
        if array.len() != expected {
            return Err(Error::ColumnLength {
                correction: correction(),
                input: name(k),
                expected,
                got: array.len(),
            });
        }
        let ty = vars[k].input_type();
        let data = typed(array, ty).ok_or_else(|| Error::ColumnType {
            correction: correction(),
            input: name(k),
            expected: ty,
            data_type: array.data_type().clone(),
        })?;
        sources.push(Source {
            data,
            real: ty == InputType::Real,
            per_list,
        });
    }

    // For flat inputs beside jagged ones: the list of each element.
    let list_of: Vec<u32> = match &lists {
        Some((offsets, _)) if sources.iter().any(|s| s.per_list) => {
            let mut list_of = Vec::with_capacity(len);
            for (list, w) in offsets.windows(2).enumerate() {
                list_of.extend(std::iter::repeat_n(list as u32, (w[1] - w[0]) as usize));
            }
            list_of
        }
        _ => Vec::new(),
    };

    let mut out = vec![0.0f64; len];
    let run = |(chunk_index, chunk): (usize, &mut [f64])| -> Result<()> {
        eval_chunk(kernel, &sources, &list_of, chunk_index * CHUNK, chunk)
    };
    if len >= PARALLEL_MIN_ELEMENTS && rayon::current_num_threads() > 1 {
        let results: Vec<Result<()>> = out.par_chunks_mut(CHUNK).enumerate().map(run).collect();
        results.into_iter().collect::<Result<()>>()?;
    } else {
        out.chunks_mut(CHUNK).enumerate().try_for_each(run)?;
    }

    let values = Float64Array::from(out);
    Ok(match lists {
        Some((offsets, _)) => Arc::new(ListArray::new(
            Arc::new(Field::new("item", DataType::Float64, true)),
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(values),
            None,
        )),
        None => Arc::new(values),
    })
}

fn typed(array: &dyn Array, ty: InputType) -> Option<Data<'_>> {
    Some(match (ty, array.data_type()) {
        (InputType::String, DataType::Utf8) => Data::Str(array.as_string::<i32>()),
        (InputType::String, DataType::LargeUtf8) => Data::LargeStr(array.as_string::<i64>()),
        (InputType::Real, DataType::Float64) => {
            Data::F64(array.as_primitive::<Float64Type>().values())
        }
        (InputType::Real, DataType::Float32) => {
            Data::F32(array.as_primitive::<Float32Type>().values())
        }
        (InputType::Real | InputType::Int, dt) => match dt {
            DataType::Int8 => Data::I8(array.as_primitive::<Int8Type>().values()),
            DataType::Int16 => Data::I16(array.as_primitive::<Int16Type>().values()),
            DataType::Int32 => Data::I32(array.as_primitive::<Int32Type>().values()),
            DataType::Int64 => Data::I64(array.as_primitive::<Int64Type>().values()),
            DataType::UInt8 => Data::U8(array.as_primitive::<UInt8Type>().values()),
            DataType::UInt16 => Data::U16(array.as_primitive::<UInt16Type>().values()),
            DataType::UInt32 => Data::U32(array.as_primitive::<UInt32Type>().values()),
            DataType::UInt64 => Data::U64(array.as_primitive::<UInt64Type>().values()),
            _ => return None,
        },
        _ => return None,
    })
}

fn eval_chunk<K: Kernel>(
    kernel: &K,
    sources: &[Source<'_>],
    list_of: &[u32],
    start: usize,
    out: &mut [f64],
) -> Result<()> {
    let dictionary = kernel.dictionary();
    let index = |source: &Source<'_>, i: usize| {
        if source.per_list {
            list_of[i] as usize
        } else {
            i
        }
    };
    // Constants (typically broadcast strings) are looked up once, not per element.
    let constants: Vec<Option<Arg>> = sources
        .iter()
        .map(|source| match source.data {
            Data::Const(v) => Some(dictionary.arg(v)),
            _ => None,
        })
        .collect();
    let mut args: Vec<Arg> = constants
        .iter()
        .map(|c| c.unwrap_or(Arg::Real(0.0)))
        .collect();
    let mut scratch: Vec<Arg> = Vec::with_capacity(sources.len());
    for (offset, slot) in out.iter_mut().enumerate() {
        let i = start + offset;
        for ((arg, source), constant) in args.iter_mut().zip(sources).zip(&constants) {
            *arg = match constant {
                Some(c) => *c,
                None => source.arg(index(source, i), dictionary),
            };
        }
        match kernel.eval_raw(&mut args, &mut scratch) {
            Ok(v) => *slot = v,
            Err(fault) => {
                let values: Vec<Value<'_>> = sources
                    .iter()
                    .map(|source| source.get(index(source, i)))
                    .collect();
                return Err(Error::Element {
                    index: i,
                    source: Box::new(kernel.fault_error(fault, &values)),
                });
            }
        }
    }
    Ok(())
}
