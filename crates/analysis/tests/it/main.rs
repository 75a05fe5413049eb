//! Function trees, column unions, contract checks and the registry.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type};
use arrow_array::{Array, ArrayRef, BooleanArray, Float32Array, ListArray};
use cf_analysis::{
    categorizer, producer, selector, CallContext, DatasetInfo, Declaration, Error, FnEvents,
    FnResult, Function, FunctionTree, Kind, Outcome, Registry, SelectionResult, SetupContext,
};
use cf_columns::{Events, Route};

fn mc() -> DatasetInfo {
    DatasetInfo {
        name: "tt_sl".into(),
        is_mc: true,
    }
}

fn data() -> DatasetInfo {
    DatasetInfo {
        name: "data_mu".into(),
        is_mc: false,
    }
}

fn events() -> Events {
    let mut events = Events::with_num_events(3);
    let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
        Some(vec![Some(50.0), Some(40.0), Some(30.0)]),
        Some(vec![]),
        Some(vec![Some(25.0)]),
    ]);
    let met: ArrayRef = Arc::new(Float32Array::from(vec![10.0, 20.0, 30.0]));
    events
        .set_column(&Route::parse("Jet.pt").unwrap(), Arc::new(pt))
        .unwrap();
    events
        .set_column(&Route::parse("MET.pt").unwrap(), met.clone())
        .unwrap();
    events
        .set_column(&Route::parse("genWeight").unwrap(), met)
        .unwrap();
    events
}

fn names(set: &cf_columns::ColumnSet) -> Vec<String> {
    set.iter().map(Route::to_string).collect()
}

fn sums(pt: &ArrayRef) -> Float32Array {
    let pt = pt.as_list::<i32>();
    (0..pt.len())
        .map(|i| {
            Some(
                pt.value(i)
                    .as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .sum::<f32>(),
            )
        })
        .collect()
}

/// ht ← Jet.pt; features calls ht and adds met_over_ht; weights (MC only) uses genWeight.
fn standard() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(|| {
            producer("ht")
                .uses("Jet.pt")
                .unwrap()
                .produces("ht")
                .unwrap()
                .apply(|events, _| {
                    let ht = sums(&events.column("Jet.pt")?);
                    events.set_column("ht", Arc::new(ht))?;
                    Ok(())
                })
        })
        .unwrap();
    registry
        .register(|| {
            producer("weights")
                .uses("genWeight")
                .unwrap()
                .produces("weight")
                .unwrap()
                .mc_only()
                .shifts(["pu_up", "pu_down"])
                .apply(|events, _| {
                    let w = events.column("genWeight")?;
                    events.set_column("weight", w)?;
                    Ok(())
                })
        })
        .unwrap();
    registry
        .register(|| {
            producer("features")
                .uses_function("ht")
                .produces_function("ht")
                .uses("MET.pt")
                .unwrap()
                .produces("met_over_ht")
                .unwrap()
                .uses_function("weights")
                .produces_function("weights")
                .shifts(["jec_up", "jec_down"])
                .apply(|events, context| {
                    context.call("ht", events)?;
                    if context.dataset().is_mc {
                        context.call("weights", events)?;
                    }
                    let ht = events.column("ht")?;
                    let met = events.column("MET.pt")?;
                    let ratio: Float32Array = ht
                        .as_primitive::<Float32Type>()
                        .iter()
                        .zip(met.as_primitive::<Float32Type>().iter())
                        .map(|(h, m)| Some(m? / h?))
                        .collect();
                    events.set_column("met_over_ht", Arc::new(ratio))?;
                    Ok(())
                })
        })
        .unwrap();
    registry
}

#[test]
fn columns_and_shifts_are_the_union_over_the_tree() {
    let registry = standard();
    let tree = FunctionTree::build(&registry, "features", Kind::Producer, &mc()).unwrap();
    assert_eq!(
        names(&tree.used_columns()),
        ["Jet.pt", "MET.pt", "genWeight"]
    );
    assert_eq!(
        names(&tree.produced_columns()),
        ["ht", "met_over_ht", "weight"]
    );
    let shifts: Vec<String> = tree.shifts().into_iter().collect();
    assert_eq!(shifts, ["jec_down", "jec_up", "pu_down", "pu_up"]);

    let tree = FunctionTree::build(&registry, "features", Kind::Producer, &data()).unwrap();
    assert_eq!(
        names(&tree.used_columns()),
        ["Jet.pt", "MET.pt"],
        "MC-only weights dropped"
    );
    assert!(!tree.shifts().contains("pu_up"));

    let weights = FunctionTree::build(&registry, "weights", Kind::Producer, &data()).unwrap();
    assert_eq!(weights.name(), None);
    assert!(weights.used_columns().is_empty());
}

#[test]
fn a_tree_runs_with_its_callees() {
    let registry = standard();
    let mut tree = FunctionTree::build(&registry, "features", Kind::Producer, &mc()).unwrap();
    tree.setup(&Default::default()).unwrap();
    let mut batch = events();
    assert!(matches!(tree.run(&mut batch).unwrap(), Outcome::Columns));
    let ht = batch.column(&Route::parse("ht").unwrap()).unwrap();
    assert_eq!(
        ht.as_primitive::<Float32Type>().values().to_vec(),
        [120.0, 0.0, 25.0]
    );
    let ratio = batch.column(&Route::parse("met_over_ht").unwrap()).unwrap();
    assert_eq!(ratio.as_primitive::<Float32Type>().value(0), 10.0 / 120.0);
    assert!(batch.has(&Route::parse("weight").unwrap()));
}

fn run_single(
    declaration: Declaration,
    body: impl Fn(&mut FnEvents<'_>) -> FnResult<()> + Send + Sync + Clone + 'static,
) -> Error {
    let mut registry = Registry::new();
    registry
        .register(move || {
            let body = body.clone();
            declaration.clone().apply(move |events, _| body(events))
        })
        .unwrap();
    let name = registry.names(None)[0].to_string();
    let tree = FunctionTree::build(&registry, &name, Kind::Producer, &mc()).unwrap();
    tree.run(&mut events()).unwrap_err()
}

#[test]
fn contract_violations_name_the_function_and_the_column() {
    let err = run_single(
        producer("sneaky")
            .uses("Jet.pt")
            .unwrap()
            .produces("x")
            .unwrap(),
        |events| {
            events.column("MET.pt")?;
            Ok(())
        },
    );
    assert!(
        matches!(&err, Error::UndeclaredRead { function, route } if function == "sneaky" && route.to_string() == "MET.pt"),
        "{err}"
    );

    let err = run_single(
        producer("writer")
            .uses("MET.pt")
            .unwrap()
            .produces("x")
            .unwrap(),
        |events| {
            let met = events.column("MET.pt")?;
            events.set_column("y", met)?;
            Ok(())
        },
    );
    assert!(
        matches!(&err, Error::UndeclaredWrite { route, .. } if route.to_string() == "y"),
        "{err}"
    );
    assert!(err.to_string().contains("`writer`") && err.to_string().contains("produces"));

    let err = run_single(producer("lazy").produces("{x,z}").unwrap(), |events| {
        events.set_column("x", Arc::new(Float32Array::from(vec![1.0, 2.0, 3.0])))?;
        Ok(())
    });
    assert!(
        matches!(&err, Error::NotProduced { route, .. } if route.to_string() == "z"),
        "{err}"
    );

    let err = run_single(producer("failing").produces("x").unwrap(), |_| {
        Err("no luck".into())
    });
    assert!(matches!(&err, Error::Failed { function, .. } if function == "failing"));
    assert!(err.to_string().contains("no luck"));

    let err = run_single(
        producer("indexer")
            .uses("Jet.pt")
            .unwrap()
            .produces("x")
            .unwrap(),
        |events| {
            events.column("Jet.pt[:,0]")?;
            events.set_column("x", Arc::new(Float32Array::from(vec![1.0])))?;
            Ok(())
        },
    );
    assert!(
        matches!(
            &err,
            Error::Columns {
                source: cf_columns::Error::LengthMismatch { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn calling_an_undeclared_function_is_an_error() {
    let mut registry = standard();
    registry
        .register(|| {
            producer("caller").apply(|events, context| {
                context.call("ht", events)?;
                Ok(())
            })
        })
        .unwrap();
    let tree = FunctionTree::build(&registry, "caller", Kind::Producer, &mc()).unwrap();
    let err = tree.run(&mut events()).unwrap_err();
    assert!(
        matches!(&err, Error::UndeclaredCall { function, callee } if function == "caller" && callee == "ht"),
        "{err}"
    );
}

#[test]
fn the_registry_resolves_names_and_kinds() {
    let registry = standard();
    let err = FunctionTree::build(&registry, "featurs", Kind::Producer, &mc())
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::UnknownFunction { suggestion: Some(s), .. } if s == "features"),
        "{err}"
    );
    assert!(err.to_string().contains("did you mean `features`"));
    let err = FunctionTree::build(&registry, "features", Kind::Selector, &mc())
        .err()
        .unwrap();
    assert!(matches!(err, Error::WrongKind { .. }), "{err}");
    let mut registry = standard();
    let err = registry
        .register(|| producer("ht").apply(|_, _| Ok(())))
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateFunction { .. }));
    assert_eq!(
        standard().names(Some(Kind::Producer)),
        ["features", "ht", "weights"]
    );
}

#[test]
fn cycles_are_found_before_anything_runs() {
    let mut registry = Registry::new();
    registry
        .register(|| producer("a").uses_function("b").apply(|_, _| Ok(())))
        .unwrap();
    registry
        .register(|| producer("b").produces_function("c").apply(|_, _| Ok(())))
        .unwrap();
    registry
        .register(|| producer("c").uses_function("a").apply(|_, _| Ok(())))
        .unwrap();
    let err = FunctionTree::build(&registry, "a", Kind::Producer, &mc())
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::Cycle { cycle } if cycle == &["a", "b", "c", "a"]),
        "{err}"
    );
}

#[test]
fn selectors_return_masks_steps_and_objects() {
    let mut registry = Registry::new();
    registry
        .register(|| {
            selector("jets")
                .uses("Jet.pt")
                .unwrap()
                .select(|events, _| {
                    let pt = events.column("Jet.pt")?;
                    let pt = pt.as_list::<i32>();
                    let mut picks = Vec::new();
                    for i in 0..pt.len() {
                        let values = pt.value(i);
                        let values = values.as_primitive::<Float32Type>();
                        let good: Vec<Option<i32>> = (0..values.len())
                            .filter(|&j| values.value(j) > 28.0)
                            .map(|j| Some(j as i32))
                            .collect();
                        picks.push(Some(good));
                    }
                    let indices = ListArray::from_iter_primitive::<Int32Type, _, _>(picks);
                    let mask: BooleanArray = (0..indices.len())
                        .map(|i| Some(indices.value_length(i) >= 2))
                        .collect();
                    let any: BooleanArray = (0..indices.len())
                        .map(|i| Some(indices.value_length(i) >= 1))
                        .collect();
                    Ok(SelectionResult::new(mask.clone())
                        .with_step("one_jet", any)
                        .with_step("two_jets", mask)
                        .with_objects("Jet", "GoodJet", Arc::new(indices)))
                })
        })
        .unwrap();
    registry
        .register(|| {
            categorizer("high_met")
                .uses("MET.pt")
                .unwrap()
                .categorize(|events, _| {
                    let met = events.column("MET.pt")?;
                    Ok(met
                        .as_primitive::<Float32Type>()
                        .iter()
                        .map(|m| m.map(|m| m > 15.0))
                        .collect())
                })
        })
        .unwrap();

    let tree = FunctionTree::build(&registry, "jets", Kind::Selector, &mc()).unwrap();
    let mut batch = events();
    let Outcome::Selection(selection) = tree.run(&mut batch).unwrap() else {
        panic!("a selector returns a selection");
    };
    assert_eq!(
        selection.event_mask,
        BooleanArray::from(vec![true, false, false])
    );
    assert_eq!(
        selection.steps[0].1,
        BooleanArray::from(vec![true, false, false])
    );
    let objects = &selection.objects[0];
    batch
        .collection_from_indices(&objects.source, &objects.target, objects.indices.as_ref())
        .unwrap();
    let good = batch.column(&Route::parse("GoodJet.pt").unwrap()).unwrap();
    assert_eq!(
        good.as_list::<i32>()
            .value(0)
            .as_primitive::<Float32Type>()
            .values()
            .to_vec(),
        [50.0, 40.0, 30.0]
    );

    let tree = FunctionTree::build(&registry, "high_met", Kind::Categorizer, &mc()).unwrap();
    let Outcome::Mask(mask) = tree.run(&mut events()).unwrap() else {
        panic!("a categorizer returns a mask");
    };
    assert_eq!(mask, BooleanArray::from(vec![false, true, true]));
}

/// A function with state: `init` adds an MC-only column, `setup` loads a scale.
struct Scaled {
    declaration: Declaration,
    scale: Option<f32>,
}

impl Function for Scaled {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn init(&mut self, dataset: &DatasetInfo) -> FnResult<()> {
        if dataset.is_mc {
            self.declaration = self.declaration.clone().uses("genWeight")?;
        }
        Ok(())
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        self.scale = Some(if context.dataset.is_mc { 2.0 } else { 1.0 });
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let scale = self.scale.ok_or("setup was not called")?;
        let met = events.column("MET.pt")?;
        let scaled: Float32Array = met
            .as_primitive::<Float32Type>()
            .iter()
            .map(|m| m.map(|m| m * scale))
            .collect();
        events.set_column("met_scaled", Arc::new(scaled))?;
        Ok(Outcome::Columns)
    }
}

#[test]
fn init_adjusts_per_dataset_and_setup_loads_state() {
    let mut registry = Registry::new();
    registry
        .register(|| Scaled {
            declaration: producer("scaled")
                .uses("MET.pt")
                .unwrap()
                .produces("met_scaled")
                .unwrap(),
            scale: None,
        })
        .unwrap();
    let mut tree = FunctionTree::build(&registry, "scaled", Kind::Producer, &mc()).unwrap();
    assert_eq!(names(&tree.used_columns()), ["MET.pt", "genWeight"]);
    let data_tree = FunctionTree::build(&registry, "scaled", Kind::Producer, &data()).unwrap();
    assert_eq!(names(&data_tree.used_columns()), ["MET.pt"]);

    let err = tree.run(&mut events()).unwrap_err();
    assert!(err.to_string().contains("setup was not called"));
    tree.setup(&Default::default()).unwrap();
    let mut batch = events();
    tree.run(&mut batch).unwrap();
    let scaled = batch.column(&Route::parse("met_scaled").unwrap()).unwrap();
    assert_eq!(
        scaled.as_primitive::<Float32Type>().values().to_vec(),
        [20.0, 40.0, 60.0]
    );
}

#[test]
fn a_function_returning_the_wrong_outcome_is_refused() {
    struct NotASelector(Declaration);
    impl Function for NotASelector {
        fn declaration(&self) -> &Declaration {
            &self.0
        }
        fn call(&self, _: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
            Ok(Outcome::Columns)
        }
    }
    let mut registry = Registry::new();
    registry.register(|| NotASelector(selector("odd"))).unwrap();
    let tree = FunctionTree::build(&registry, "odd", Kind::Selector, &mc()).unwrap();
    let err = tree.run(&mut events()).unwrap_err();
    assert!(matches!(err, Error::WrongOutcome { .. }), "{err}");
}
