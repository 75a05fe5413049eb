//! Category ids: the leaf categories each event falls in.

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Int64Array, ListArray};
use arrow_buffer::{BooleanBuffer, OffsetBuffer};
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
        // One bit mask per leaf (the AND of its categorizers; a null counts as rejected),
        // so the loop over events reads bits instead of looking categorizers up by name.
        let n = events.num_events();
        let leaf_masks: Vec<BooleanBuffer> = leaves
            .iter()
            .map(|leaf| {
                let mut accepted = BooleanBuffer::new_set(n);
                for name in &leaf.categorizers {
                    let mask = masks
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, mask)| mask)
                        .ok_or_else(|| format!("categorizer `{name}` was not run"))?;
                    accepted = &accepted & mask.values();
                    if let Some(nulls) = mask.nulls() {
                        accepted = &accepted & nulls.inner();
                    }
                }
                Ok(accepted)
            })
            .collect::<Result<_, String>>()?;
        let mut offsets = Vec::with_capacity(n + 1);
        let mut ids = vec![0i64; n * leaves.len()];
        offsets.push(0i32);
        let mut count = 0usize;
        for event in 0..n {
            for (leaf, accepted) in leaves.iter().zip(&leaf_masks) {
                // Written always, kept by moving on only when accepted: no branch per leaf.
                ids[count] = leaf.id;
                count += usize::from(accepted.value(event));
            }
            offsets.push(count as i32);
        }
        ids.truncate(count);
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
