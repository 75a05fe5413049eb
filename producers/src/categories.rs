//! Category ids: the leaf categories each event falls in.

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Int64Array, ListArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};
use cf_analysis::{producer, ClosureFunction, Outcome};

/// A leaf category: its id and the categorizers that must all accept an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafCategory {
    /// The category id written into `category_ids`.
    pub id: i64,
    /// Categorizer names; an event is in the category when every one of them accepts it.
    pub categorizers: Vec<String>,
}

/// The `category_ids` producer for a config's leaf categories: per event, the ids of every
/// leaf category it falls in (an event may be in several), as a list column `category_ids`.
/// Each categorizer runs once per batch, however many categories use it.
pub fn category_ids(leaves: Vec<LeafCategory>) -> ClosureFunction {
    let mut categorizers: Vec<String> =
        leaves.iter().flat_map(|l| l.categorizers.clone()).collect();
    categorizers.sort();
    categorizers.dedup();
    let mut declaration = producer("category_ids")
        .produces("category_ids")
        .expect("a literal route is valid");
    for name in &categorizers {
        declaration = declaration.uses_function(name.clone());
    }
    declaration.apply(move |events, context| {
        let mut masks: Vec<(&str, BooleanArray)> = Vec::with_capacity(categorizers.len());
        for name in &categorizers {
            match context.call(name, events)? {
                Outcome::Mask(mask) => masks.push((name, mask)),
                _ => {
                    return Err(
                        format!("`{name}` is used as a categorizer but returned no mask").into(),
                    )
                }
            }
        }
        let accepts = |name: &str, event: usize| {
            masks
                .iter()
                .find(|(n, _)| *n == name)
                .is_some_and(|(_, mask)| mask.is_valid(event) && mask.value(event))
        };
        let mut offsets = Vec::with_capacity(events.num_events() + 1);
        let mut ids = Vec::new();
        offsets.push(0i32);
        for event in 0..events.num_events() {
            for leaf in &leaves {
                if leaf.categorizers.iter().all(|c| accepts(c, event)) {
                    ids.push(leaf.id);
                }
            }
            offsets.push(ids.len() as i32);
        }
        let list = ListArray::new(
            Arc::new(Field::new("item", DataType::Int64, false)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(Int64Array::from(ids)),
            None,
        );
        events.set_column("category_ids", Arc::new(list))?;
        Ok(())
    })
}
