"""Writes a correction set that uses every correctionlib node type and feature, and the
reference outputs of correctionlib for random inputs, for cf-correction's interop test.

usage: python3 node_vectors.py OUT_DIR  ->  OUT_DIR/nodes.json, OUT_DIR/nodes.vectors.json
"""

import json
import random
import sys

import correctionlib

FUNCS = [
    "log(x)", "log10(x)", "exp(y)", "erf(y)", "sqrt(x)", "abs(y)", "cos(y)", "sin(y)",
    "tan(y)", "acos(y/10)", "asin(y/10)", "atan(y)", "cosh(y)", "sinh(y)", "tanh(y)",
    "acosh(x+1)", "asinh(y)", "atanh(y/10)", "atan2(y,x)", "pow(x,0.3)", "max(x,y)",
    "min(x,y)", "x^2^0.5", "-x^2", "-2^2+x", "x-y-1", "x/y/2", "x>y", "x<y", "x>=y",
    "x<=y", "x==y", "x!=y", "x>1&&y<1", "x>1||y<1", "1+2*x-3/y^2", "(x+y)*(x-y)",
    "[0]+[1]*x+[2]*y", "x[1]*1.5e-1+x[0]*2.e1", " 3 *  x ", "-(x+y)", "2*-x",
    "max(0.0001,((x<[0])*([1]))+((x>=[0])*([2]+([3]/(pow(log10(x),2)+[4])))))",
]


def var(name, kind):
    return {"name": name, "type": kind, "description": ""}


def corr(name, inputs, data, generic=None):
    c = {"name": name, "version": 1, "inputs": inputs, "output": var("out", "real"), "data": data}
    if generic:
        c["generic_formulas"] = generic
    return c


def formula(expr, variables, params=None):
    f = {"nodetype": "formula", "expression": expr, "parser": "TFormula", "variables": variables}
    if params is not None:
        f["parameters"] = params
    return f


def binning(inp, edges, content, flow):
    return {"nodetype": "binning", "input": inp, "edges": edges, "content": content, "flow": flow}


def category(inp, items, default=None):
    c = {"nodetype": "category", "input": inp, "content": [{"key": k, "value": v} for k, v in items]}
    if default is not None:
        c["default"] = default
    return c


def main(out_dir):
    rng = random.Random(20240611)
    xy = [var("x", "real"), var("y", "real")]
    corrections = [
        corr("formulas", xy + [var("which", "int")], category(
            "which", [(i, formula(e, ["x", "y"], [1.5, 0.25, -0.5, 2.0, 0.75])) for i, e in enumerate(FUNCS)])),
        corr("hash", [var("a", "real"), var("b", "int"), var("dist", "string")], category(
            "dist", [(d, {"nodetype": "hashprng", "inputs": ["a", "b"], "distribution": d})
                     for d in ("stdflat", "stdnormal", "normal")]
            + [("flat_a", {"nodetype": "hashprng", "inputs": ["a"], "distribution": "stdflat"}),
               ("normal_many", {"nodetype": "hashprng", "inputs": ["a", "b", "a", "b", "a"], "distribution": "normal"})])),
        corr("uniform", [var("x", "real"), var("flow", "string")], category("flow", [
            (f, binning("x", {"n": 7, "low": -2.5, "high": 4.0}, [0.5 * i + 1 for i in range(7)], f))
            for f in ("clamp", "error", "wrap")] + [
            ("content", binning("x", {"n": 7, "low": -2.5, "high": 4.0}, [float(i) for i in range(7)],
                                formula("100+x", ["x"]))),
            ("edges_wrap", binning("x", [-1.0, 0.0, 0.5, 2.0, 3.5], [1.0, 2.0, 3.0, 4.0], "wrap")),
            ("edges_content", binning("x", [-1.0, 0.0, 0.5, 2.0, 3.5], [1.0, 2.0, 3.0, 4.0], -7.0)),
            ("edges_inf", binning("x", ["-inf", 0.0, "+inf"], [1.0, 2.0], "error")),
        ])),
        corr("multi", [var("x", "real"), var("y", "real"), var("i", "int")], category("i", [
            (0, {"nodetype": "multibinning", "inputs": ["x", "y"],
                 "edges": [{"n": 3, "low": -1.0, "high": 2.0}, [-2.0, 0.0, 1.0, 5.0]],
                 "content": [float(i) for i in range(9)], "flow": "error"}),
            (1, {"nodetype": "multibinning", "inputs": ["y", "x"],
                 "edges": [[-2.0, 0.0, 1.0, 5.0], {"n": 3, "low": -1.0, "high": 2.0}],
                 "content": [formula(f"{i}+x*y", ["x", "y"]) for i in range(9)], "flow": 42.0}),
            (2, {"nodetype": "multibinning", "inputs": ["x", "i"],
                 "edges": [[-1.0, 0.5, 2.0], [0.0, 1.5, 3.0]],
                 "content": [1.0, 2.0, 3.0, 4.0], "flow": "clamp"}),
        ], default=-1.0)),
        corr("transform", [var("x", "real"), var("n", "int")], {
            "nodetype": "transform", "input": "x", "rule": formula("abs(x)", ["x"]),
            "content": {"nodetype": "transform", "input": "n", "rule": formula("x*1.7", ["x"]),
                        "content": category("n", [(k, formula(f"{k}*x", ["x"])) for k in range(6)],
                                            default=formula("-x", ["x"]))}}),
        corr("generic", [var("x", "real"), var("y", "real")],
             binning("y", [-3.0, 0.0, 3.0], [
                 {"nodetype": "formularef", "index": 0, "parameters": [1.0, 2.0, 0.5]},
                 {"nodetype": "formularef", "index": 1, "parameters": [3.0]}], "clamp"),
             generic=[formula("[0]+[1]*x^[2]", ["x"]), formula("[0]*y-x", ["x", "y"])]),
        corr("scale", xy, binning("x", [0.0, 1.0, 2.0, 5.0], [1.1, 0.9, 1.3], "clamp")),
        corr("offset", xy, formula("0.5*x+y", ["x", "y"])),
    ]
    compound = [
        {"name": f"chain_{iop}_{oop}".replace("*", "mul").replace("/", "div").replace("+", "add"),
         "inputs": xy, "output": var("out", "real"), "inputs_update": ["x"],
         "input_op": iop, "output_op": oop, "stack": ["scale", "offset", "scale"]}
        for iop in ("+", "*", "/") for oop in ("+", "*", "/", "last")
    ]
    cset = {"schema_version": 2, "description": "every node type", "corrections": corrections,
            "compound_corrections": compound}
    text = json.dumps(cset)
    with open(f"{out_dir}/nodes.json", "w") as f:
        f.write(text)
    evaluator = correctionlib.CorrectionSet.from_string(text)

    def real():
        return rng.choice([rng.uniform(-4, 8), rng.uniform(0.01, 3), float(rng.randint(-2, 5))])

    cases = []
    for _ in range(400):
        cases.append(("formulas", False, [rng.uniform(0.05, 5), rng.uniform(-3, 3), rng.randrange(len(FUNCS))]))
        cases.append(("hash", False, [rng.uniform(-1e3, 1e3), rng.randint(-10**12, 10**12),
                                      rng.choice(["stdflat", "stdnormal", "normal", "flat_a", "normal_many"])]))
        cases.append(("uniform", False, [real(), rng.choice(
            ["clamp", "error", "wrap", "content", "edges_wrap", "edges_content", "edges_inf", "nokey"])]))
        cases.append(("multi", False, [real(), real(), rng.randint(-1, 3)]))
        cases.append(("transform", False, [rng.uniform(-4, 4), rng.randint(-1, 4)]))
        cases.append(("generic", False, [rng.uniform(0.1, 5), real()]))
        name = rng.choice(compound)["name"]
        cases.append((name, True, [rng.uniform(-1, 6), rng.uniform(-2, 2)]))
    # Wrong arity and types are errors.
    cases.append(("scale", False, [1.0]))
    cases.append(("scale", False, [1, 2.0]))
    cases.append(("hash", False, [1.0, 2.0, "stdflat"]))
    vectors = []
    for name, is_compound, inputs in cases:
        c = evaluator.compound[name] if is_compound else evaluator[name]
        try:
            out, err = float(c.evaluate(*inputs)), None
        except Exception as exc:  # the reference's error is what the vector records
            out, err = None, type(exc).__name__
        vectors.append({"correction": name, "compound": is_compound, "inputs": inputs, "output": out, "error": err})
    with open(f"{out_dir}/nodes.vectors.json", "w") as f:
        json.dump({"reference": f"correctionlib {correctionlib.__version__}", "file": "nodes.json",
                   "vectors": vectors}, f, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1])
