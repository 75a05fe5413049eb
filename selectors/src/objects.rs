//! Per-object masks over collection fields, and what selections are made of.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type, UInt8Type};
use arrow_array::{Array, ArrayRef, BooleanArray, ListArray};
use arrow_buffer::{ArrowNativeType, OffsetBuffer};
use arrow_schema::{DataType, Field};
use cf_analysis::{FnEvents, FnResult};

/// One boolean per object of a collection, with the collection's offsets.
pub(crate) struct ObjectMask {
    pub(crate) offsets: OffsetBuffer<i32>,
    pub(crate) keep: Vec<bool>,
}

impl ObjectMask {
    /// All objects of the collection whose field `route` is read (to learn its offsets).
    pub(crate) fn all(events: &FnEvents<'_>, route: &str) -> FnResult<ObjectMask> {
        let column = events.column(route)?;
        let list = column.as_list::<i32>();
        let (first, last) = (list.offsets()[0] as usize, list.offsets().last().as_usize());
        Ok(ObjectMask {
            offsets: list.offsets().clone(),
            keep: vec![true; last - first],
        })
    }

    /// Keeps objects whose `f32` field passes `test`.
    pub(crate) fn f32(
        mut self,
        events: &FnEvents<'_>,
        route: &str,
        test: impl Fn(f32) -> bool,
    ) -> FnResult<Self> {
        let column = events.column(route)?;
        let values = field_values(&column);
        for (keep, &v) in self
            .keep
            .iter_mut()
            .zip(values.as_primitive::<Float32Type>().values())
        {
            *keep &= test(v);
        }
        Ok(self)
    }

    /// Keeps objects whose integer field (stored as `u8` or `i32`) passes `test`.
    pub(crate) fn int(
        mut self,
        events: &FnEvents<'_>,
        route: &str,
        test: impl Fn(i64) -> bool,
    ) -> FnResult<Self> {
        let column = events.column(route)?;
        let values = field_values(&column);
        let values: Vec<i64> = match values.data_type() {
            DataType::UInt8 => values
                .as_primitive::<UInt8Type>()
                .values()
                .iter()
                .map(|&v| i64::from(v))
                .collect(),
            DataType::Int32 => values
                .as_primitive::<Int32Type>()
                .values()
                .iter()
                .map(|&v| i64::from(v))
                .collect(),
            other => return Err(format!("{route} holds {other}, not an integer id").into()),
        };
        for (keep, v) in self.keep.iter_mut().zip(values) {
            *keep &= test(v);
        }
        Ok(self)
    }

    /// Keeps objects whose boolean field is true.
    pub(crate) fn flag(mut self, events: &FnEvents<'_>, route: &str) -> FnResult<Self> {
        let column = events.column(route)?;
        let values = field_values(&column);
        let flags = values.as_boolean();
        for (i, keep) in self.keep.iter_mut().enumerate() {
            *keep &= flags.value(i);
        }
        Ok(self)
    }

    /// Number of kept objects per event.
    pub(crate) fn counts(&self) -> Vec<usize> {
        let base = self.offsets[0] as usize;
        self.offsets
            .windows(2)
            .map(|w| {
                self.keep[w[0] as usize - base..w[1] as usize - base]
                    .iter()
                    .filter(|&&k| k)
                    .count()
            })
            .collect()
    }

    /// The indices of kept objects, per event, as a list array (an object selection).
    pub(crate) fn indices(&self) -> ArrayRef {
        let base = self.offsets[0] as usize;
        let mut offsets = Vec::with_capacity(self.offsets.len());
        let mut values = Vec::new();
        offsets.push(0i32);
        for w in self.offsets.windows(2) {
            let start = w[0] as usize - base;
            for (local, &keep) in self.keep[start..w[1] as usize - base].iter().enumerate() {
                if keep {
                    values.push(local as i32);
                }
            }
            offsets.push(values.len() as i32);
        }
        Arc::new(ListArray::new(
            Arc::new(Field::new("item", DataType::Int32, false)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(arrow_array::Int32Array::from(values)),
            None,
        ))
    }
}

/// The values of a per-object column that belong to its events (offsets may not start at 0).
fn field_values(column: &ArrayRef) -> ArrayRef {
    cf_columns::normalized(column.as_list::<i32>()).1
}

/// An event mask from per-event counts.
pub(crate) fn mask(counts: &[usize], test: impl Fn(usize) -> bool) -> BooleanArray {
    counts.iter().map(|&n| Some(test(n))).collect()
}
