//! Event batches: Arrow record batches addressed by routes.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, ListArray, RecordBatch, RecordBatchOptions, StructArray,
    UInt32Array,
};
use arrow_buffer::{BooleanBuffer, BooleanBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema};
use arrow_select::filter::{filter, FilterBuilder, FilterPredicate};
use arrow_select::take::take;

use crate::column_set::ColumnSet;
use crate::error::{Error, Result};
use crate::route::Route;

/// A batch of events: one Arrow record batch whose columns are addressed by [`Route`]s.
///
/// Event-level columns are plain arrays; a group such as `MET` is a struct; a collection such as
/// `Jet` is `List<Struct<pt, eta, …>>`, so all its fields share one offsets buffer. Reading a
/// field (`Jet.pt`) hands back a list array that shares the collection's buffers, and adding a
/// field to a collection stores only the new values: nothing is copied that need not be.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Array, Float32Array, ListArray, types::Float32Type};
/// use cf_columns::{Events, Route};
///
/// let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
///     Some(vec![Some(50.0), Some(30.0)]),
///     Some(vec![]),
/// ]);
/// let mut events = Events::with_num_events(2);
/// events.set_column(&Route::parse("Jet.pt")?, Arc::new(pt))?;
///
/// let first = events.column(&Route::parse("Jet.pt[:,0]")?)?;
/// let first = first.as_any().downcast_ref::<Float32Array>().unwrap();
/// assert_eq!(first.value(0), 50.0);
/// assert!(first.is_null(1));
/// # Ok::<(), cf_columns::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Events {
    batch: RecordBatch,
}

impl Events {
    /// Wraps a record batch laid out as described on [`Events`].
    pub fn new(batch: RecordBatch) -> Self {
        Events { batch }
    }

    /// A batch of `num_events` events with no columns yet.
    pub fn with_num_events(num_events: usize) -> Self {
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(num_events)),
        )
        .expect("a batch without columns is always valid");
        Events { batch }
    }

    /// Number of events.
    pub fn num_events(&self) -> usize {
        self.batch.num_rows()
    }

    /// The underlying record batch.
    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Unwraps the record batch.
    pub fn into_batch(self) -> RecordBatch {
        self.batch
    }

    /// Every leaf column as a route: `event`, `MET.pt`, `Jet.pt`, … in schema order.
    pub fn routes(&self) -> Vec<Route> {
        let mut out = Vec::new();
        for field in self.batch.schema().fields() {
            leaf_routes(
                &Route::new([field.name().as_str()]),
                field.data_type(),
                &mut out,
            );
        }
        out
    }

    /// True when the batch has the column at `route` (ignoring an object index).
    pub fn has(&self, route: &Route) -> bool {
        self.lookup(route).is_ok()
    }

    /// The column at `route`. A collection field comes back as a list array sharing the
    /// collection's offsets; `[:,i]` gives the i-th object's value per event, null where absent.
    pub fn column(&self, route: &Route) -> Result<ArrayRef> {
        let column = self.lookup(route)?;
        match route.index() {
            Some(index) => element_at(route, &column, index),
            None => Ok(column),
        }
    }

    fn lookup(&self, route: &Route) -> Result<ArrayRef> {
        let missing = || Error::MissingColumn {
            route: route.clone(),
            available: self.top_level_names(),
        };
        let mut current = self
            .batch
            .column_by_name(route.head())
            .cloned()
            .ok_or_else(missing)?;
        for field in &route.fields()[1..] {
            current = match current.data_type() {
                DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)) => {
                    let list = current.as_list::<i32>();
                    let child = list
                        .values()
                        .as_struct()
                        .column_by_name(field)
                        .ok_or_else(missing)?;
                    let item = Field::new("item", child.data_type().clone(), child.is_nullable());
                    Arc::new(ListArray::new(
                        Arc::new(item),
                        list.offsets().clone(),
                        child.clone(),
                        list.nulls().cloned(),
                    ))
                }
                DataType::Struct(_) => current
                    .as_struct()
                    .column_by_name(field)
                    .cloned()
                    .ok_or_else(missing)?,
                _ => return Err(missing()),
            };
        }
        Ok(current)
    }

    fn top_level_names(&self) -> String {
        let schema = self.batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    }

    /// Sets the column at `route`, replacing one that exists.
    ///
    /// `event` or `MET` sets a top-level column. `Jet.pt_corr` adds a field to the collection
    /// `Jet`: the array must be a list with one value per jet (checked), and only its values
    /// are stored. A list array for a collection that does not exist yet founds it.
    pub fn set_column(&mut self, route: &Route, array: ArrayRef) -> Result<()> {
        if route.index().is_some() {
            return Err(Error::CannotSet {
                route: route.clone(),
                reason: "an indexed route names a view, not a column",
            });
        }
        if array.len() != self.num_events() {
            return Err(Error::LengthMismatch {
                route: route.clone(),
                expected: self.num_events(),
                found: array.len(),
            });
        }
        let top = match route.fields() {
            [_] => array,
            [head, field] => match self.batch.column_by_name(head) {
                Some(existing) => add_field(route, existing, field, array)?,
                None => found_group(route, field, array)?,
            },
            _ => {
                return Err(Error::CannotSet {
                    route: route.clone(),
                    reason: "cf columns nest at most as `Collection.field`",
                })
            }
        };
        self.put_top_level(route.head(), top);
        Ok(())
    }

    /// Removes the column at `route` (a top-level column, or one field of a collection or group).
    pub fn remove_column(&mut self, route: &Route) -> Result<()> {
        self.lookup(route)?;
        match route.fields() {
            [head] => {
                let schema = self.batch.schema();
                let index = schema.index_of(head)?;
                self.batch.remove_column(index);
            }
            [head, field] => {
                let top = self.lookup(&Route::new([head.as_str()]))?;
                match without_field(&top, field)? {
                    Some(rest) => self.put_top_level(head, rest),
                    None => self.remove_column(&Route::new([head.as_str()]))?,
                }
            }
            _ => unreachable!("lookup rejects deeper routes"),
        }
        Ok(())
    }

    fn put_top_level(&mut self, name: &str, array: ArrayRef) {
        let schema = self.batch.schema();
        let nullable = array.null_count() > 0;
        let field: FieldRef = Arc::new(Field::new(name, array.data_type().clone(), nullable));
        let mut fields: Vec<FieldRef> = schema.fields().iter().cloned().collect();
        let mut columns = self.batch.columns().to_vec();
        match schema.index_of(name) {
            Ok(index) => {
                fields[index] = field;
                columns[index] = array;
            }
            Err(_) => {
                fields.push(field);
                columns.push(array);
            }
        }
        let options = RecordBatchOptions::new().with_row_count(Some(self.num_events()));
        self.batch =
            RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
                .expect("columns were checked to have one row per event");
    }

    /// A batch holding only the columns in `columns` (whole collections or single fields).
    /// Columns keep the order they have in `self`.
    pub fn select(&self, columns: &ColumnSet) -> Result<Events> {
        let columns = columns.columns();
        for route in columns.iter() {
            self.lookup(route)?;
        }
        let mut out = Events::with_num_events(self.num_events());
        for route in self.routes().iter().filter(|r| columns.covers(r)) {
            out.set_column(route, self.lookup(route)?)?;
        }
        Ok(out)
    }

    /// The events where `mask` is true (null counts as false).
    pub fn filter(&self, mask: &BooleanArray) -> Result<Events> {
        if mask.len() != self.num_events() {
            return Err(Error::LengthMismatch {
                route: Route::new(["<event mask>"]),
                expected: self.num_events(),
                found: mask.len(),
            });
        }
        let rows = RowFilter::new(mask);
        let columns = self
            .batch
            .columns()
            .iter()
            .map(|column| rows.apply(column))
            .collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows.predicate.count()));
        Ok(Events::new(RecordBatch::try_new_with_options(
            self.batch.schema(),
            columns,
            &options,
        )?))
    }

    /// The normalised offsets and struct values of collection `name`.
    fn collection(&self, name: &str) -> Result<(OffsetBuffer<i32>, ArrayRef)> {
        let route = Route::new([name]);
        collection_parts(&route, &self.lookup(&route)?)
    }

    /// Founds collection `target` from the objects of `source` picked by per-event indices
    /// (a list of integers per event, e.g. the selected jets ordered by b-tag score).
    pub fn collection_from_indices(
        &mut self,
        source: &str,
        target: &str,
        indices: &dyn Array,
    ) -> Result<()> {
        let picked = self.pick(source, target, indices, 0..self.num_events())?;
        self.put_top_level(target, picked);
        Ok(())
    }

    /// The objects of `source` that `indices` (one list per event of this batch) pick, for the
    /// events `rows` only, as a list column to be named `target`.
    fn pick(
        &self,
        source: &str,
        target: &str,
        indices: &dyn Array,
        rows: impl Iterator<Item = usize>,
    ) -> Result<ArrayRef> {
        let (offsets, values) = self.collection(source)?;
        let target_route = Route::new([target]);
        let indices = as_list(&target_route, indices, "a list of object indices per event")?;
        if indices.len() != self.num_events() {
            return Err(Error::LengthMismatch {
                route: target_route,
                expected: self.num_events(),
                found: indices.len(),
            });
        }
        let (pick_offsets, pick_values) = normalized(indices);
        let local = LocalIndices::of(&target_route, &pick_values)?;
        let (new_offsets, global) =
            picked_positions(source, &offsets, &pick_offsets, &local, rows)?;
        let taken = take(values.as_ref(), &global, None)?;
        Ok(list_of(new_offsets, taken))
    }

    /// The events where `mask` is true (null counts as false), with collections founded from
    /// object indices: each pick `(source, target, indices)` founds `target` from the objects
    /// of `source` as this batch holds it, `indices` being given for every event of this batch
    /// (before the mask). The same as [`Events::filter`] followed, for each pick, by
    /// [`Events::collection_from_indices`] on the filtered batch (every pick reading the
    /// collections as filtered, not as replaced by an earlier pick), but the picked objects are
    /// copied once, straight from this batch, and a collection that a pick replaces is not
    /// filtered first. Only the indices of kept events are checked; an out-of-range error
    /// names the event's position in this batch.
    pub fn filter_and_pick(
        &self,
        mask: &BooleanArray,
        picks: &[(&str, &str, &dyn Array)],
    ) -> Result<Events> {
        if mask.len() != self.num_events() {
            return Err(Error::LengthMismatch {
                route: Route::new(["<event mask>"]),
                expected: self.num_events(),
                found: mask.len(),
            });
        }
        if picks.is_empty() {
            return self.filter(mask);
        }
        let rows = RowFilter::new(mask);
        let mut picked = Vec::with_capacity(picks.len());
        for &(source, target, indices) in picks {
            let kept = rows.keep.set_slices().flat_map(|(start, end)| start..end);
            picked.push((target, self.pick(source, target, indices, kept)?));
        }
        // A picked collection replaces a column of the same name in its place (the last pick
        // of a name wins), or comes after the others, as `put_top_level` places it.
        let last_pick = |name: &str| picked.iter().rev().find(|(target, _)| *target == name);
        let as_field = |name: &str, column: &ArrayRef| -> FieldRef {
            Arc::new(Field::new(
                name,
                column.data_type().clone(),
                column.null_count() > 0,
            ))
        };
        let schema = self.batch.schema();
        let mut fields: Vec<FieldRef> = Vec::with_capacity(schema.fields().len() + picked.len());
        let mut columns = Vec::with_capacity(fields.capacity());
        for (field, column) in schema.fields().iter().zip(self.batch.columns()) {
            match last_pick(field.name()) {
                Some((name, picked)) => {
                    fields.push(as_field(name, picked));
                    columns.push(picked.clone());
                }
                None => {
                    fields.push(field.clone());
                    columns.push(rows.apply(column)?);
                }
            }
        }
        for (target, _) in &picked {
            if fields.iter().all(|f| f.name() != target) {
                let (name, picked) = last_pick(target).expect("the target was picked");
                fields.push(as_field(name, picked));
                columns.push(picked.clone());
            }
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows.predicate.count()));
        Ok(Events::new(RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &options,
        )?))
    }

    /// Founds collection `target` from the objects of `source` where `mask` (a list of booleans
    /// per event, one per object) is true.
    pub fn collection_from_mask(
        &mut self,
        source: &str,
        target: &str,
        mask: &dyn Array,
    ) -> Result<()> {
        let (offsets, values) = self.collection(source)?;
        let target_route = Route::new([target]);
        let mask = as_list(&target_route, mask, "a list of booleans per object")?;
        let (mask_offsets, mask_values) = normalized(mask);
        check_same_lengths(&target_route, source, &offsets, &mask_offsets)?;
        let keep = mask_values
            .as_boolean_opt()
            .ok_or_else(|| Error::WrongLayout {
                route: target_route.clone(),
                found: mask_values.data_type().to_string(),
                expected: "a list of booleans per object",
            })?;
        let mut counts = Vec::with_capacity(self.num_events() + 1);
        counts.push(0i32);
        let mut kept = 0i32;
        for event in 0..self.num_events() {
            for object in offsets[event] as usize..offsets[event + 1] as usize {
                kept += i32::from(keep.is_valid(object) && keep.value(object));
            }
            counts.push(kept);
        }
        let filtered = filter(values.as_ref(), keep)?;
        let new_offsets = OffsetBuffer::new(ScalarBuffer::from(counts));
        self.put_top_level(target, list_of(new_offsets, filtered));
        Ok(())
    }
}

/// The rows of `column` where `mask` is true (null counts as false), as Arrow's `filter` but
/// faster for lists: a list of primitives or of structs is filtered through its flat values
/// with one predicate built from the kept events' object ranges, instead of list by list.
pub fn filter_column(column: &ArrayRef, mask: &BooleanArray) -> Result<ArrayRef> {
    if mask.len() != column.len() {
        return Err(Error::LengthMismatch {
            route: Route::new(["<event mask>"]),
            expected: column.len(),
            found: mask.len(),
        });
    }
    RowFilter::new(mask).apply(column)
}

/// An event mask prepared once for all the columns of a batch.
struct RowFilter {
    /// The kept events (nulls of the mask folded in as false).
    keep: BooleanBuffer,
    predicate: FilterPredicate,
}

impl RowFilter {
    fn new(mask: &BooleanArray) -> RowFilter {
        let keep = match mask.nulls() {
            Some(nulls) => mask.values() & nulls.inner(),
            None => mask.values().clone(),
        };
        let predicate = FilterBuilder::new(&BooleanArray::new(keep.clone(), None))
            .optimize()
            .build();
        RowFilter { keep, predicate }
    }

    fn apply(&self, column: &ArrayRef) -> Result<ArrayRef> {
        match column.data_type() {
            // Arrow filters a list list by list through a generic copier; its values are
            // contiguous per event, so one predicate over the values does the same work.
            DataType::List(_) if column.null_count() == 0 => self.list(column.as_list::<i32>()),
            _ => Ok(self.predicate.filter(column.as_ref())?),
        }
    }

    fn list(&self, list: &ListArray) -> Result<ArrayRef> {
        let offsets = list.offsets();
        let first = offsets[0] as usize;
        let total = offsets[offsets.len() - 1] as usize - first;
        let mut objects = BooleanBufferBuilder::new(total);
        let mut new_offsets = Vec::with_capacity(self.predicate.count() + 1);
        new_offsets.push(0i32);
        let mut kept = 0i32;
        for (start, end) in self.keep.set_slices() {
            let (from, to) = (
                offsets[start] as usize - first,
                offsets[end] as usize - first,
            );
            objects.append_n(from - objects.len(), false);
            objects.append_n(to - from, true);
            for w in offsets[start..=end].windows(2) {
                kept += w[1] - w[0];
                new_offsets.push(kept);
            }
        }
        objects.append_n(total - objects.len(), false);
        let objects = BooleanArray::new(objects.finish(), None);
        let values = list.values().slice(first, total);
        let mut builder = FilterBuilder::new(&objects);
        if FilterBuilder::is_optimize_beneficial(values.data_type()) {
            builder = builder.optimize();
        }
        let values = builder.build().filter(values.as_ref())?;
        let DataType::List(item) = list.data_type() else {
            unreachable!("called on list arrays only")
        };
        Ok(Arc::new(ListArray::try_new(
            item.clone(),
            OffsetBuffer::new(ScalarBuffer::from(new_offsets)),
            values,
            None,
        )?))
    }
}

/// Per-event object indices as stored: `int32` (what selectors write) is read in place, other
/// integer types are widened.
enum LocalIndices<'a> {
    I32(&'a [i32]),
    Wide(Vec<i64>),
}

impl LocalIndices<'_> {
    fn of<'a>(route: &Route, values: &'a ArrayRef) -> Result<LocalIndices<'a>> {
        Ok(match values.data_type() {
            DataType::Int32 => LocalIndices::I32(values.as_primitive::<Int32Type>().values()),
            _ => LocalIndices::Wide(integers(route, values)?),
        })
    }
}

/// Where the objects picked by per-event `local` indices (`pick_offsets` into them) sit in
/// the values of a collection with `offsets` (both from 0), for `events` in order, and the
/// offsets of the picked lists.
fn picked_positions(
    source: &str,
    offsets: &OffsetBuffer<i32>,
    pick_offsets: &OffsetBuffer<i32>,
    local: &LocalIndices<'_>,
    events: impl Iterator<Item = usize>,
) -> Result<(OffsetBuffer<i32>, UInt32Array)> {
    match local {
        LocalIndices::I32(local) => gather_positions(source, offsets, pick_offsets, local, events),
        LocalIndices::Wide(local) => gather_positions(source, offsets, pick_offsets, local, events),
    }
}

fn gather_positions<T: Copy + Into<i64>>(
    source: &str,
    offsets: &OffsetBuffer<i32>,
    pick_offsets: &OffsetBuffer<i32>,
    local: &[T],
    events: impl Iterator<Item = usize>,
) -> Result<(OffsetBuffer<i32>, UInt32Array)> {
    let mut new_offsets = vec![0i32];
    let mut global = Vec::with_capacity(local.len());
    for event in events {
        let base = offsets[event] as i64;
        let len = (offsets[event + 1] - offsets[event]) as i64;
        let range = pick_offsets[event] as usize..pick_offsets[event + 1] as usize;
        for &index in &local[range] {
            let index: i64 = index.into();
            if index < 0 || index >= len {
                return Err(Error::IndexOutOfRange {
                    collection: source.to_string(),
                    event,
                    index,
                    len: len as usize,
                });
            }
            global.push((base + index) as u32);
        }
        new_offsets.push(global.len() as i32);
    }
    Ok((
        OffsetBuffer::new(ScalarBuffer::from(new_offsets)),
        UInt32Array::from(global),
    ))
}

fn leaf_routes(prefix: &Route, data_type: &DataType, out: &mut Vec<Route>) {
    let fields = match data_type {
        DataType::Struct(fields) => fields,
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => fields,
            _ => return out.push(prefix.clone()),
        },
        _ => return out.push(prefix.clone()),
    };
    for field in fields {
        leaf_routes(&prefix.child(field.name()), field.data_type(), out);
    }
}

fn as_list<'a>(
    route: &Route,
    array: &'a dyn Array,
    expected: &'static str,
) -> Result<&'a ListArray> {
    array
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::WrongLayout {
            route: route.clone(),
            found: array.data_type().to_string(),
            expected,
        })
}

/// The offsets of a list column, starting at 0, and its values trimmed to its rows: what a
/// kernel iterates over, and what makes two lists comparable by their offsets alone.
/// Zero-copy when the list already is in that form (only the offsets are rebuilt otherwise).
pub fn normalized(list: &ListArray) -> (OffsetBuffer<i32>, ArrayRef) {
    let offsets = list.offsets();
    let first = offsets[0];
    let last = offsets[offsets.len() - 1];
    if first == 0 && list.values().len() == last as usize {
        return (offsets.clone(), list.values().clone());
    }
    let shifted: Vec<i32> = offsets.iter().map(|o| o - first).collect();
    let values = list.values().slice(first as usize, (last - first) as usize);
    (OffsetBuffer::new(ScalarBuffer::from(shifted)), values)
}

fn collection_parts(route: &Route, column: &ArrayRef) -> Result<(OffsetBuffer<i32>, ArrayRef)> {
    match column.data_type() {
        DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)) => {
            Ok(normalized(column.as_list::<i32>()))
        }
        other => Err(Error::WrongLayout {
            route: route.clone(),
            found: other.to_string(),
            expected: "a collection (list of structs)",
        }),
    }
}

fn list_of(offsets: OffsetBuffer<i32>, values: ArrayRef) -> ArrayRef {
    let item = Field::new("item", values.data_type().clone(), values.null_count() > 0);
    Arc::new(ListArray::new(Arc::new(item), offsets, values, None))
}

fn check_same_lengths(
    route: &Route,
    collection: &str,
    expected: &OffsetBuffer<i32>,
    found: &OffsetBuffer<i32>,
) -> Result<()> {
    if expected.inner().inner().ptr_eq(found.inner().inner()) || expected == found {
        return Ok(());
    }
    let event = expected
        .windows(2)
        .zip(found.windows(2))
        .position(|(e, f)| e[1] - e[0] != f[1] - f[0])
        .unwrap_or(0);
    let length = |o: &OffsetBuffer<i32>| (o[event + 1] - o[event]) as usize;
    Err(Error::OffsetsMismatch {
        route: route.clone(),
        collection: collection.to_string(),
        event,
        expected: length(expected),
        found: length(found),
    })
}

fn add_field(route: &Route, existing: &ArrayRef, field: &str, array: ArrayRef) -> Result<ArrayRef> {
    match existing.data_type() {
        DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)) => {
            let collection = route.head();
            let (offsets, values) = collection_parts(&Route::new([collection]), existing)?;
            let list = as_list(route, array.as_ref(), "a list with one value per object")?;
            let (field_offsets, field_values) = normalized(list);
            check_same_lengths(route, collection, &offsets, &field_offsets)?;
            let values = with_field(values.as_struct(), field, field_values);
            Ok(list_of(offsets, values))
        }
        DataType::Struct(_) => {
            if matches!(
                array.data_type(),
                DataType::List(_) | DataType::LargeList(_)
            ) {
                return Err(Error::WrongLayout {
                    route: route.clone(),
                    found: array.data_type().to_string(),
                    expected: "one value per event, as the other fields of this group",
                });
            }
            Ok(with_field(existing.as_struct(), field, array))
        }
        other => Err(Error::WrongLayout {
            route: route.clone(),
            found: other.to_string(),
            expected: "a collection or a group to add a field to",
        }),
    }
}

fn found_group(route: &Route, field: &str, array: ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::List(_) => {
            let (offsets, values) = normalized(array.as_list::<i32>());
            let fields = Fields::from(vec![Field::new(
                field,
                values.data_type().clone(),
                values.null_count() > 0,
            )]);
            let values = StructArray::new(fields, vec![values], None);
            Ok(list_of(offsets, Arc::new(values)))
        }
        DataType::LargeList(_) => Err(Error::WrongLayout {
            route: route.clone(),
            found: array.data_type().to_string(),
            expected: "a list with 32-bit offsets",
        }),
        _ => {
            let fields = Fields::from(vec![Field::new(
                field,
                array.data_type().clone(),
                array.null_count() > 0,
            )]);
            Ok(Arc::new(StructArray::new(fields, vec![array], None)))
        }
    }
}

fn with_field(parent: &StructArray, name: &str, child: ArrayRef) -> ArrayRef {
    let new_field = Arc::new(Field::new(
        name,
        child.data_type().clone(),
        child.null_count() > 0,
    ));
    let mut fields: Vec<FieldRef> = parent.fields().iter().cloned().collect();
    let mut columns = parent.columns().to_vec();
    match fields.iter().position(|f| f.name() == name) {
        Some(index) => {
            fields[index] = new_field;
            columns[index] = child;
        }
        None => {
            fields.push(new_field);
            columns.push(child);
        }
    }
    Arc::new(StructArray::new(
        Fields::from(fields),
        columns,
        parent.nulls().cloned(),
    ))
}

/// The top-level array without field `name`, or `None` when it was the last field.
fn without_field(top: &ArrayRef, name: &str) -> Result<Option<ArrayRef>> {
    let strip = |parent: &StructArray| -> Option<StructArray> {
        let keep: Vec<usize> = (0..parent.num_columns())
            .filter(|&i| parent.fields()[i].name() != name)
            .collect();
        if keep.is_empty() {
            return None;
        }
        let fields: Vec<FieldRef> = keep.iter().map(|&i| parent.fields()[i].clone()).collect();
        let columns = keep.iter().map(|&i| parent.column(i).clone()).collect();
        Some(StructArray::new(
            Fields::from(fields),
            columns,
            parent.nulls().cloned(),
        ))
    };
    Ok(match top.data_type() {
        DataType::Struct(_) => strip(top.as_struct()).map(|s| Arc::new(s) as ArrayRef),
        _ => {
            let list = top.as_list::<i32>();
            strip(list.values().as_struct()).map(|values| {
                let item = Field::new("item", values.data_type().clone(), values.null_count() > 0);
                Arc::new(ListArray::new(
                    Arc::new(item),
                    list.offsets().clone(),
                    Arc::new(values),
                    list.nulls().cloned(),
                )) as ArrayRef
            })
        }
    })
}

fn integers(route: &Route, values: &ArrayRef) -> Result<Vec<i64>> {
    macro_rules! widen {
        ($type:ty) => {
            values
                .as_primitive::<$type>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect()
        };
    }
    Ok(match values.data_type() {
        DataType::Int8 => widen!(Int8Type),
        DataType::Int16 => widen!(Int16Type),
        DataType::Int32 => widen!(Int32Type),
        DataType::Int64 => widen!(Int64Type),
        DataType::UInt8 => widen!(UInt8Type),
        DataType::UInt16 => widen!(UInt16Type),
        DataType::UInt32 => widen!(UInt32Type),
        DataType::UInt64 => widen!(UInt64Type),
        other => {
            return Err(Error::WrongLayout {
                route: route.clone(),
                found: other.to_string(),
                expected: "a list of integer object indices per event",
            })
        }
    })
}

/// The `index`-th element of every event's list (negative counts from the end), null where the
/// event has too few elements: the `[:,i]` of a route.
pub fn element_at(route: &Route, column: &ArrayRef, index: i64) -> Result<ArrayRef> {
    let list = as_list(
        route,
        column.as_ref(),
        "a per-object column to index with [:,i]",
    )?;
    let offsets = list.offsets();
    let picks: UInt32Array = offsets
        .windows(2)
        .map(|w| {
            let len = (w[1] - w[0]) as i64;
            let at = if index < 0 { len + index } else { index };
            (0..len).contains(&at).then(|| (w[0] as i64 + at) as u32)
        })
        .collect();
    Ok(take(list.values().as_ref(), &picks, None)?)
}

#[cfg(test)]
mod tests {
    use arrow_array::types::{Float32Type, Int32Type};
    use arrow_array::{Float32Array, Int64Array};
    use arrow_select::filter::filter_record_batch;

    use super::*;

    fn route(text: &str) -> Route {
        Route::parse(text).unwrap()
    }

    fn jagged(values: Vec<Vec<f32>>) -> ArrayRef {
        Arc::new(ListArray::from_iter_primitive::<Float32Type, _, _>(
            values.into_iter().map(|v| Some(v.into_iter().map(Some))),
        ))
    }

    fn floats(array: &ArrayRef) -> Vec<Option<f32>> {
        array.as_primitive::<Float32Type>().iter().collect()
    }

    fn lists(array: &ArrayRef) -> Vec<Vec<f32>> {
        let list = array.as_list::<i32>();
        (0..list.len())
            .map(|i| {
                list.value(i)
                    .as_primitive::<Float32Type>()
                    .values()
                    .to_vec()
            })
            .collect()
    }

    fn sample() -> Events {
        let mut events = Events::with_num_events(3);
        events
            .set_column(&route("event"), Arc::new(Int64Array::from(vec![7, 8, 9])))
            .unwrap();
        events
            .set_column(
                &route("Jet.pt"),
                jagged(vec![vec![50.0, 40.0, 30.0], vec![], vec![25.0]]),
            )
            .unwrap();
        events
            .set_column(
                &route("Jet.eta"),
                jagged(vec![vec![0.1, -1.0, 2.0], vec![], vec![0.5]]),
            )
            .unwrap();
        events
            .set_column(
                &route("MET.pt"),
                Arc::new(Float32Array::from(vec![10.0, 20.0, 30.0])),
            )
            .unwrap();
        events
    }

    #[test]
    fn fields_share_their_collection_buffers() {
        let events = sample();
        let pt = events.column(&route("Jet.pt")).unwrap();
        let eta = events.column(&route("Jet.eta")).unwrap();
        let (pt, eta) = (pt.as_list::<i32>(), eta.as_list::<i32>());
        assert!(pt
            .offsets()
            .inner()
            .inner()
            .ptr_eq(eta.offsets().inner().inner()));
        assert_eq!(
            lists(&events.column(&route("Jet.eta")).unwrap())[0],
            [0.1, -1.0, 2.0]
        );
        let names: Vec<String> = events.routes().iter().map(Route::to_string).collect();
        assert_eq!(names, ["event", "Jet.pt", "Jet.eta", "MET.pt"]);
    }

    #[test]
    fn indexed_access_gives_nulls_where_absent() {
        let events = sample();
        let first = events.column(&route("Jet.pt[:,0]")).unwrap();
        assert_eq!(floats(&first), [Some(50.0), None, Some(25.0)]);
        let second = events.column(&route("Jet.pt[:,1]")).unwrap();
        assert_eq!(floats(&second), [Some(40.0), None, None]);
        let last = events.column(&route("Jet.pt[:,-1]")).unwrap();
        assert_eq!(floats(&last), [Some(30.0), None, Some(25.0)]);
    }

    #[test]
    fn adding_a_misaligned_field_is_an_error() {
        let mut events = sample();
        let err = events
            .set_column(
                &route("Jet.btag"),
                jagged(vec![vec![1.0, 2.0, 3.0], vec![1.0], vec![]]),
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::OffsetsMismatch {
                    event: 1,
                    expected: 0,
                    found: 1,
                    ..
                }
            ),
            "{err}"
        );
        let err = events
            .set_column(&route("event"), Arc::new(Int64Array::from(vec![1])))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::LengthMismatch {
                expected: 3,
                found: 1,
                ..
            }
        ));
        assert!(events
            .set_column(&route("Jet.pt[:,0]"), jagged(vec![vec![]; 3]))
            .is_err());
    }

    #[test]
    fn a_field_computed_on_a_slice_still_lines_up() {
        let events = sample();
        let sliced = Events::new(events.batch().slice(1, 2));
        let pt = sliced.column(&route("Jet.pt")).unwrap();
        let doubled = jagged(
            lists(&pt)
                .into_iter()
                .map(|v| v.iter().map(|x| x * 2.0).collect())
                .collect(),
        );
        let mut sliced = sliced;
        sliced.set_column(&route("Jet.pt2"), doubled).unwrap();
        assert_eq!(
            lists(&sliced.column(&route("Jet.pt2")).unwrap()),
            [vec![], vec![50.0]]
        );
    }

    #[test]
    fn filter_keeps_masked_events() {
        let events = sample();
        let kept = events
            .filter(&BooleanArray::from(vec![true, false, true]))
            .unwrap();
        assert_eq!(kept.num_events(), 2);
        assert_eq!(
            lists(&kept.column(&route("Jet.pt")).unwrap()),
            [vec![50.0, 40.0, 30.0], vec![25.0]]
        );
        assert!(events.filter(&BooleanArray::from(vec![true])).is_err());
    }

    /// `filter` and `filter_column` against Arrow's own filter, which they must equal.
    #[test]
    fn filter_matches_arrow_on_edge_cases() {
        let mut events = sample();
        // A top-level list of primitives, and one with a null list (Arrow's path).
        let ids = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![]),
            Some(vec![Some(3)]),
        ]);
        events.set_column(&route("ids"), Arc::new(ids)).unwrap();
        let with_null = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1)]),
            None,
            Some(vec![Some(4), None]),
        ]);
        events
            .set_column(&route("maybe"), Arc::new(with_null))
            .unwrap();
        let masks = [
            vec![Some(true), Some(true), Some(true)],
            vec![Some(false), Some(false), Some(false)],
            vec![Some(true), Some(false), Some(true)],
            vec![Some(false), Some(true), Some(true)],
            vec![None, Some(true), Some(true)],
            vec![Some(true), None, None],
        ];
        for batch in [
            events.batch().clone(),
            events.batch().slice(1, 2),
            events.batch().slice(2, 1),
            events.batch().slice(0, 0),
        ] {
            let events = Events::new(batch);
            for mask in &masks {
                let mask = BooleanArray::from(mask[..events.num_events()].to_vec());
                let expected = filter_record_batch(events.batch(), &mask).unwrap();
                let found = events.filter(&mask).unwrap();
                assert_eq!(found.batch(), &expected, "mask {mask:?}");
                for (column, expected) in events.batch().columns().iter().zip(expected.columns()) {
                    assert_eq!(&filter_column(column, &mask).unwrap(), expected);
                }
            }
        }
        let err = filter_column(
            &events.column(&route("ids")).unwrap(),
            &BooleanArray::from(vec![true]),
        );
        assert!(matches!(
            err,
            Err(Error::LengthMismatch {
                expected: 3,
                found: 1,
                ..
            })
        ));
    }

    /// `filter_and_pick` against `filter` then `collection_from_indices` per pick.
    #[test]
    fn filter_and_pick_matches_filter_then_pick() {
        let reference =
            |events: &Events, mask: &BooleanArray, picks: &[(&str, &str, &dyn Array)]| {
                let filtered = events.filter(mask).unwrap();
                let mut out = filtered.clone();
                for &(source, target, indices) in picks {
                    let indices = filter(indices, mask).unwrap();
                    let mut picked = filtered.clone();
                    picked
                        .collection_from_indices(source, target, indices.as_ref())
                        .unwrap();
                    let route = Route::new([target]);
                    out.set_column(&route, picked.column(&route).unwrap())
                        .unwrap();
                }
                out
            };
        // Four events' worth of indices, sliced to three so the list starts at an offset.
        let picks = |lists: Vec<Vec<i32>>| -> ListArray {
            let mut all = vec![Some(vec![Some(9)])];
            all.extend(
                lists
                    .into_iter()
                    .map(|l| Some(l.into_iter().map(Some).collect())),
            );
            ListArray::from_iter_primitive::<Int32Type, _, _>(all).slice(1, 3)
        };
        let jets = picks(vec![vec![2, 0], vec![], vec![0]]);
        let first = picks(vec![vec![0], vec![], vec![]]);
        let masks = [
            vec![Some(true), Some(true), Some(true)],
            vec![Some(false), Some(false), Some(false)],
            vec![Some(true), Some(false), Some(true)],
            vec![None, Some(true), Some(true)],
        ];
        let events = sample();
        for mask in &masks {
            let mask = BooleanArray::from(mask.clone());
            for picks in [
                vec![("Jet", "Jet", &jets as &dyn Array)],
                vec![("Jet", "BJet", &jets as &dyn Array)],
                vec![
                    ("Jet", "Lead", &first as &dyn Array),
                    ("Jet", "Jet", &jets as &dyn Array),
                ],
                vec![],
            ] {
                let expected = reference(&events, &mask, &picks);
                let found = events.filter_and_pick(&mask, &picks).unwrap();
                assert_eq!(found.batch(), expected.batch(), "mask {mask:?}");
            }
        }
        // On a slice of the batch, and with an index out of range in a dropped event only.
        let sliced = Events::new(events.batch().slice(1, 2));
        let bad = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(5)]),
            Some(vec![Some(0)]),
        ]);
        let mask = BooleanArray::from(vec![false, true]);
        let found = sliced
            .filter_and_pick(&mask, &[("Jet", "Jet", &bad as &dyn Array)])
            .unwrap();
        assert_eq!(
            lists(&found.column(&route("Jet.pt")).unwrap()),
            [vec![25.0]]
        );
        let err = sliced
            .filter_and_pick(
                &BooleanArray::from(vec![true, true]),
                &[("Jet", "Jet", &bad as &dyn Array)],
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::IndexOutOfRange {
                    event: 0,
                    index: 5,
                    len: 0,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn indices_of_any_integer_type_pick_the_same_objects() {
        use arrow_array::types::{Int64Type, UInt8Type};
        let picks = vec![
            Some(vec![Some(2), Some(0)]),
            Some(vec![]),
            Some(vec![Some(0)]),
        ];
        let wide = picks.iter().map(|l| {
            l.as_ref()
                .map(|l| l.iter().map(|v| v.map(i64::from)).collect::<Vec<_>>())
        });
        let narrow = picks.iter().map(|l| {
            l.as_ref()
                .map(|l| l.iter().map(|v| v.map(|v| v as u8)).collect::<Vec<_>>())
        });
        let mask = BooleanArray::from(vec![true, false, true]);
        let pick = |indices: &dyn Array| {
            sample()
                .filter_and_pick(&mask, &[("Jet", "Jet", indices)])
                .unwrap()
        };
        let expected = pick(&ListArray::from_iter_primitive::<Int32Type, _, _>(
            picks.clone(),
        ));
        assert_eq!(
            lists(&expected.column(&route("Jet.pt")).unwrap()),
            [vec![30.0, 50.0], vec![25.0]]
        );
        let found = pick(&ListArray::from_iter_primitive::<Int64Type, _, _>(wide));
        assert_eq!(found.batch(), expected.batch());
        let found = pick(&ListArray::from_iter_primitive::<UInt8Type, _, _>(narrow));
        assert_eq!(found.batch(), expected.batch());
    }

    #[test]
    fn collections_from_indices_and_masks() {
        let mut events = sample();
        let picks = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(2), Some(0)]),
            Some(vec![]),
            Some(vec![Some(0)]),
        ]);
        events
            .collection_from_indices("Jet", "BJet", &picks)
            .unwrap();
        assert_eq!(
            lists(&events.column(&route("BJet.pt")).unwrap()),
            [vec![30.0, 50.0], vec![], vec![25.0]]
        );
        assert_eq!(
            lists(&events.column(&route("BJet.eta")).unwrap())[0],
            [2.0, 0.1]
        );

        let bad = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(3)]),
            Some(vec![]),
            Some(vec![]),
        ]);
        let err = events
            .collection_from_indices("Jet", "X", &bad)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::IndexOutOfRange {
                index: 3,
                len: 3,
                event: 0,
                ..
            }
        ));

        let central: Vec<Option<Vec<Option<bool>>>> = vec![
            Some(vec![Some(true), Some(true), Some(false)]),
            Some(vec![]),
            Some(vec![Some(true)]),
        ];
        let mask = ListArray::new(
            Arc::new(Field::new("item", DataType::Boolean, true)),
            OffsetBuffer::from_lengths([3, 0, 1]),
            Arc::new(BooleanArray::from(
                central
                    .iter()
                    .flatten()
                    .flatten()
                    .copied()
                    .collect::<Vec<_>>(),
            )),
            None,
        );
        events
            .collection_from_mask("Jet", "CentralJet", &mask)
            .unwrap();
        assert_eq!(
            lists(&events.column(&route("CentralJet.pt")).unwrap()),
            [vec![50.0, 40.0], vec![], vec![25.0]]
        );
    }

    #[test]
    fn select_and_remove() {
        let events = sample();
        let kept = events
            .select(&ColumnSet::parse(["Jet.eta", "event"]).unwrap())
            .unwrap();
        let names: Vec<String> = kept.routes().iter().map(Route::to_string).collect();
        assert_eq!(names, ["event", "Jet.eta"]);
        let mut events = sample();
        events.remove_column(&route("Jet.pt")).unwrap();
        events.remove_column(&route("MET.pt")).unwrap();
        let names: Vec<String> = events.routes().iter().map(Route::to_string).collect();
        assert_eq!(names, ["event", "Jet.eta"]);
        let err = events.column(&route("Muon.pt")).unwrap_err();
        assert!(err.to_string().contains("event, Jet"), "{err}");
    }
}
