//! Per-object masks over collection fields, and what selections are made of.
//!
//! A mask holds one `bool` per object, so each cut is one pass over a field's flat values
//! that the compiler vectorizes. The kept objects are then counted and listed in a single
//! pass without a data-dependent branch ([`ObjectMask::kept`]): cut outcomes are close to
//! random from one object to the next, so a branch per object would be mispredicted often.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type, UInt8Type};
use arrow_array::{Array, ArrayRef, BooleanArray, ListArray};
use arrow_buffer::{BooleanBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use cf_analysis::{FnEvents, FnResult};

use crate::error::Error;

/// One boolean per object of a collection, with the collection's offsets (from 0).
#[derive(Clone)]
pub(crate) struct ObjectMask {
    /// The function whose column reads the errors name.
    function: &'static str,
    offsets: OffsetBuffer<i32>,
    keep: Vec<bool>,
}

impl ObjectMask {
    /// All objects of the collection whose field `route` is read (to learn its offsets).
    pub(crate) fn all(
        function: &'static str,
        events: &FnEvents<'_>,
        route: &str,
    ) -> FnResult<ObjectMask> {
        let column = events.column(route)?;
        let (offsets, values) = list_parts(function, route, &column)?;
        Ok(ObjectMask {
            function,
            offsets,
            keep: vec![true; values.len()],
        })
    }

    /// Keeps objects whose `f32` field passes `test`.
    pub(crate) fn f32(
        mut self,
        events: &FnEvents<'_>,
        route: &str,
        test: impl Fn(f32) -> bool,
    ) -> FnResult<Self> {
        let values = self.field(events, route)?;
        let values = values
            .as_primitive_opt::<Float32Type>()
            .ok_or_else(|| self.wrong_type(route, "a list of float32", values.data_type()))?;
        for (keep, &v) in self.keep.iter_mut().zip(values.values()) {
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
        let values = self.field(events, route)?;
        match values.data_type() {
            DataType::UInt8 => {
                let values = values.as_primitive::<UInt8Type>().values();
                for (keep, &v) in self.keep.iter_mut().zip(values) {
                    *keep &= test(i64::from(v));
                }
            }
            DataType::Int32 => {
                let values = values.as_primitive::<Int32Type>().values();
                for (keep, &v) in self.keep.iter_mut().zip(values) {
                    *keep &= test(i64::from(v));
                }
            }
            other => {
                return Err(self
                    .wrong_type(route, "a list of uint8 or int32 ids", other)
                    .into())
            }
        }
        Ok(self)
    }

    /// Keeps objects whose boolean field is true.
    pub(crate) fn flag(mut self, events: &FnEvents<'_>, route: &str) -> FnResult<Self> {
        let values = self.field(events, route)?;
        let flags = values
            .as_boolean_opt()
            .ok_or_else(|| self.wrong_type(route, "a list of booleans", values.data_type()))?;
        for (keep, flag) in self.keep.iter_mut().zip(flags.values()) {
            *keep &= flag;
        }
        Ok(self)
    }

    /// The kept objects: how many per event, and their indices within their event.
    pub(crate) fn kept(&self) -> Kept {
        let n = self.keep.len();
        // Where events start, scattered from the offsets: the pass below then runs over all
        // objects at once. A loop per event would mispredict its exit at every event, as
        // events hold varying numbers of objects, and cost more than the pass itself.
        let mut first = vec![false; n + 1];
        for &offset in self.offsets.iter() {
            first[offset as usize] = true;
        }
        let mut indices = vec![0i32; n];
        // `before[i]`: the number of kept objects before object `i`.
        let mut before = vec![0i32; n + 1];
        let (mut kept, mut local) = (0usize, 0i32);
        for ((&keep, &first), before) in self.keep.iter().zip(&first).zip(&mut before) {
            local = if first { 0 } else { local };
            // Every object is written and the cursor only moves past kept ones, so a dropped
            // object is overwritten by the next. `kept` <= the object's position: in bounds.
            indices[kept] = local;
            *before = kept as i32;
            kept += usize::from(keep);
            local += 1;
        }
        before[n] = kept as i32;
        let offsets = self.offsets.iter().map(|&o| before[o as usize]).collect();
        indices.truncate(kept);
        Kept { offsets, indices }
    }

    /// The flat values of field `route`, checked to have one value per object of the mask.
    fn field(&self, events: &FnEvents<'_>, route: &str) -> FnResult<ArrayRef> {
        let column = events.column(route)?;
        let (_, values) = list_parts(self.function, route, &column)?;
        if values.len() != self.keep.len() {
            return Err(Error::Misaligned {
                function: self.function,
                column: route.into(),
                expected: self.keep.len(),
                found: values.len(),
            }
            .into());
        }
        Ok(values)
    }

    fn wrong_type(&self, route: &str, expected: &'static str, found: &DataType) -> Error {
        Error::ColumnType {
            function: self.function,
            column: route.into(),
            expected,
            found: found.to_string(),
        }
    }
}

/// The objects an [`ObjectMask`] keeps: per event, where its kept objects start in `indices`
/// (so the counts are differences), and each kept object's index within its event.
pub(crate) struct Kept {
    offsets: Vec<i32>,
    indices: Vec<i32>,
}

impl Kept {
    /// Number of events.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of kept objects in `event`.
    pub(crate) fn count(&self, event: usize) -> usize {
        (self.offsets[event + 1] - self.offsets[event]) as usize
    }

    /// An event mask: the events whose number of kept objects passes `test`.
    pub(crate) fn mask(&self, test: impl Fn(usize) -> bool) -> BooleanBuffer {
        BooleanBuffer::collect_bool(self.len(), |event| test(self.count(event)))
    }

    /// The indices of kept objects, per event, as a list array (an object selection).
    pub(crate) fn into_indices(self) -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new("item", DataType::Int32, false)),
            // The offsets start at 0 and grow by the counts, which are never negative.
            OffsetBuffer::new(ScalarBuffer::from(self.offsets)),
            Arc::new(arrow_array::Int32Array::from(self.indices)),
            None,
        ))
    }
}

/// The offsets (from 0) and the values belonging to the events (offsets may not start at 0)
/// of a per-object column.
fn list_parts(
    function: &'static str,
    route: &str,
    column: &ArrayRef,
) -> FnResult<(OffsetBuffer<i32>, ArrayRef)> {
    let list = column
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::ColumnType {
            function,
            column: route.into(),
            expected: "a list (one entry per object)",
            found: column.data_type().to_string(),
        })?;
    Ok(cf_columns::normalized(list))
}

/// A boolean array without nulls from a bit mask.
pub(crate) fn mask_array(bits: BooleanBuffer) -> BooleanArray {
    BooleanArray::new(bits, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward version `kept` must agree with: a push per kept object.
    fn kept_simple(offsets: &[i32], keep: &[bool]) -> (Vec<usize>, Vec<Vec<i32>>) {
        let base = offsets[0] as usize;
        offsets
            .windows(2)
            .map(|w| {
                let objects = &keep[w[0] as usize - base..w[1] as usize - base];
                let picked: Vec<i32> = (0..objects.len())
                    .filter(|&k| objects[k])
                    .map(|k| k as i32)
                    .collect();
                (picked.len(), picked)
            })
            .unzip()
    }

    fn check(offsets: Vec<i32>, keep: Vec<bool>) {
        let (counts, picks) = kept_simple(&offsets, &keep);
        let mask = ObjectMask {
            function: "test",
            offsets: OffsetBuffer::new(ScalarBuffer::from(offsets)),
            keep,
        };
        let kept = mask.kept();
        assert_eq!(kept.len(), counts.len());
        let found: Vec<usize> = (0..kept.len()).map(|e| kept.count(e)).collect();
        assert_eq!(found, counts);
        let bits = kept.mask(|n| n >= 1);
        let expected: Vec<bool> = counts.iter().map(|&n| n >= 1).collect();
        assert_eq!(bits.iter().collect::<Vec<_>>(), expected);
        let indices = kept.into_indices();
        let list = indices.as_list::<i32>();
        let found: Vec<Vec<i32>> = (0..list.len())
            .map(|e| list.value(e).as_primitive::<Int32Type>().values().to_vec())
            .collect();
        assert_eq!(found, picks);
    }

    #[test]
    fn kept_objects_match_a_push_per_object() {
        // No events; events without objects.
        check(vec![0], vec![]);
        check(vec![0, 0, 0], vec![]);
        // All kept, none kept, a mix with empty events between, the last object dropped.
        check(vec![0, 3, 3, 5], vec![true; 5]);
        check(vec![0, 3, 3, 5], vec![false; 5]);
        check(
            vec![0, 2, 2, 6, 7],
            vec![false, true, false, false, true, true, false],
        );
        // A pseudo-random pattern over many events of varying size.
        let mut offsets = vec![0];
        let mut keep = Vec::new();
        let mut state = 12345u64;
        for event in 0..500 {
            let n = (event * 7 + 3) % 11;
            for _ in 0..n {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                keep.push(state >> 63 == 1);
            }
            offsets.push(keep.len() as i32);
        }
        check(offsets, keep);
    }
}
