use cf_config::Analysis;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/example.yaml");

#[test]
fn example_loads() {
    match Analysis::load(EXAMPLE) {
        Ok(a) => assert_eq!(a.name(), "ttbar_example"),
        Err(e) => panic!("{e}"),
    }
}
