use cf_columns::Route;
use cf_config::{BinOp, Expr, Func};

fn routes(text: &str) -> Vec<String> {
    Expr::parse(text)
        .unwrap()
        .routes()
        .iter()
        .map(Route::to_string)
        .collect()
}

#[test]
fn precedence_and_parentheses() {
    let e = Expr::parse("1 + 2 * Jet.pt[:,0]").unwrap();
    assert_eq!(e.to_string(), "(1 + (2 * Jet.pt[:,0]))");
    let e = Expr::parse("(1 + 2) * -MET.pt / 4").unwrap();
    assert_eq!(e.to_string(), "(((1 + 2) * (-MET.pt)) / 4)");
    assert!(matches!(e, Expr::Binary(BinOp::Div, _, _)));
    let e = Expr::parse("1.5e2 - .5").unwrap();
    assert_eq!(
        e,
        Expr::Binary(
            BinOp::Sub,
            Box::new(Expr::Number(150.0)),
            Box::new(Expr::Number(0.5))
        )
    );
}

#[test]
fn functions_and_routes() {
    let e = Expr::parse("sqrt(max(Jet.pt[:,0], 30) * abs(Jet.eta[:,-1]))").unwrap();
    assert!(matches!(&e, Expr::Call(Func::Sqrt, args) if args.len() == 1));
    assert_eq!(
        e.to_string(),
        "sqrt((max(Jet.pt[:,0], 30) * abs(Jet.eta[:,-1])))"
    );
    assert_eq!(
        routes("log(MET.pt) + exp(MET.pt) - min(Muon.pt[:,0], Electron.pt[:,0], 10)"),
        ["MET.pt", "Muon.pt[:,0]", "Electron.pt[:,0]"]
    );
    assert_eq!(routes("ht"), ["ht"]);
}

#[test]
fn errors_point_at_the_problem() {
    let err = Expr::parse("Jet.pt[:,0] + ").unwrap_err();
    assert_eq!(err.offset, 14);
    assert!(err.reason.contains("ends too early"), "{}", err.reason);
    let err = Expr::parse("sqr(Jet.pt)").unwrap_err();
    assert_eq!(err.offset, 0);
    assert!(
        err.reason.contains("did you mean `sqrt`?"),
        "{}",
        err.reason
    );
    let err = Expr::parse("abs(Jet.pt, 2)").unwrap_err();
    assert!(err.reason.contains("one argument"), "{}", err.reason);
    let err = Expr::parse("Jet.pt[0]").unwrap_err();
    assert!(err.reason.contains("[:,i]"), "{}", err.reason);
    let err = Expr::parse("Jet.pt ^ 2").unwrap_err();
    assert_eq!(err.offset, 7);
    let err = Expr::parse("(Jet.pt").unwrap_err();
    assert!(err.reason.contains("expected `)`"));
    assert!(Expr::parse("Jet.pt MET.pt").is_err());
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Expr::parse(&deep)
        .unwrap_err()
        .reason
        .contains("nested deeper"));
    assert!(Expr::parse(&"-".repeat(100_000)).is_err());
    let fine = format!("{}x{}", "(".repeat(30), ")".repeat(30));
    assert_eq!(Expr::parse(&fine).unwrap(), Expr::parse("x").unwrap());
}
