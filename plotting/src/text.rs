//! Labels as configs write them (`$t\bar{t}$`, `$p_{T}$ / GeV`) turned into text the embedded
//! font can show.
//!
//! The converter understands the small part of matplotlib's mathtext that analysis configs use:
//!
//! - text between `$…$` is math; outside it everything is literal, and `\$` is a dollar sign;
//! - `_x` / `_{xy}` become a subscript run and `^x` / `^{xy}` a superscript run, drawn smaller
//!   and shifted (so `$p_{T}$` renders as p with a lowered T);
//! - `\bar{t}` becomes an overlined run (drawn with a bar above it; [`plain`] writes a
//!   combining macron, t̄); `\mathrm{..}`, `\text{..}`,
//!   `\mathit{..}`, `\mathbf{..}` and bare braces keep their contents;
//! - Greek letters (`\mu` → μ, `\tau` → τ, `\Delta` → Δ, …) and common symbols (`\pm` ±,
//!   `\times` ×, `\rightarrow` →, `\geq` ≥, `\leq` ≤, `\ell` ℓ, `\sqrt` √, `\infty` ∞) become
//!   their Unicode characters; `\,`, `\;`, `\ ` and `~` become spaces, other spaces in math
//!   are ignored as in TeX;
//! - an unknown command keeps its name without the backslash (`\foo` → `foo`), so nothing is
//!   silently dropped.
//!
//! Math is drawn upright: DejaVu Sans has no math italic, and upright labels read well.

/// Where a run of text sits relative to the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    /// On the baseline, full size.
    Normal,
    /// Smaller and lowered.
    Sub,
    /// Smaller and raised.
    Sup,
}

/// A piece of a label drawn with one size and baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The characters.
    pub text: String,
    /// Its position.
    pub shift: Shift,
    /// Drawn with a bar above (`\bar{..}`).
    pub bar: bool,
}

/// Converts a label to runs; adjacent runs with the same shift are merged.
///
/// ```
/// use cf_plot::text::{label_runs, Shift};
/// let runs = label_runs("Leading jet $p_{T}$");
/// assert_eq!(runs[0].text, "Leading jet p");
/// assert_eq!((runs[1].text.as_str(), runs[1].shift), ("T", Shift::Sub));
/// ```
pub fn label_runs(label: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let chars: Vec<char> = label.chars().collect();
    let mut i = 0;
    let mut math = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'$') {
            push(&mut out, "$", Shift::Normal);
            i += 2;
        } else if c == '$' {
            math = !math;
            i += 1;
        } else if math {
            i = math_item(&chars, i, Shift::Normal, &mut out);
        } else {
            push(&mut out, &c.to_string(), Shift::Normal);
            i += 1;
        }
    }
    out
}

/// The label as one plain string: sub- and superscripts are written inline (`p_{T}` → `pT`)
/// and bars as combining macrons (`t\u{304}`).
///
/// For places that cannot shift runs, such as file names or logs.
pub fn plain(label: &str) -> String {
    label_runs(label)
        .into_iter()
        .map(|r| {
            if r.bar {
                r.text
                    .chars()
                    .flat_map(|c| [Some(c), (c != ' ').then_some('\u{0304}')])
                    .flatten()
                    .collect()
            } else {
                r.text
            }
        })
        .collect()
}

fn push(out: &mut Vec<Run>, text: &str, shift: Shift) {
    push_run(out, text, shift, false);
}

fn push_run(out: &mut Vec<Run>, text: &str, shift: Shift, bar: bool) {
    match out.last_mut() {
        Some(last) if last.shift == shift && last.bar == bar => last.text.push_str(text),
        _ => out.push(Run {
            text: text.to_string(),
            shift,
            bar,
        }),
    }
}

/// Converts one item of math starting at `i` (a character, a command with its argument, a
/// group or a script) and returns the index after it.
fn math_item(chars: &[char], i: usize, shift: Shift, out: &mut Vec<Run>) -> usize {
    match chars[i] {
        '{' => {
            let (inner, next) = group(chars, i);
            let mut j = 0;
            while j < inner.len() {
                j = math_item(&inner, j, shift, out);
            }
            next
        }
        '}' => i + 1,
        '~' => {
            push(out, " ", shift);
            i + 1
        }
        // Math ignores spaces, as in TeX; `\ ` and `~` make one.
        ' ' => i + 1,
        c @ ('_' | '^') if i + 1 < chars.len() => {
            let script = if c == '_' { Shift::Sub } else { Shift::Sup };
            // A script inside a script stays at the same level: labels never nest them.
            let script = if shift == Shift::Normal {
                script
            } else {
                shift
            };
            math_item(chars, i + 1, script, out)
        }
        '\\' => command(chars, i, shift, out),
        c @ ('=' | '<' | '>') => {
            push(out, &format!(" {c} "), shift);
            i + 1
        }
        c => {
            push(out, &c.to_string(), shift);
            i + 1
        }
    }
}

/// The characters inside the braces opening at `i`, and the index after the closing brace
/// (or the end when it is missing).
fn group(chars: &[char], i: usize) -> (Vec<char>, usize) {
    let mut depth = 0;
    for (j, &c) in chars.iter().enumerate().skip(i) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (chars[i + 1..j].to_vec(), j + 1);
                }
            }
            _ => {}
        }
    }
    (chars[i + 1..].to_vec(), chars.len())
}

fn command(chars: &[char], i: usize, shift: Shift, out: &mut Vec<Run>) -> usize {
    let start = i + 1;
    let Some(&first) = chars.get(start) else {
        return start;
    };
    if !first.is_ascii_alphabetic() {
        // One-character commands: spacing and escaped characters.
        let text = match first {
            ',' | ';' | ':' | ' ' | '!' => " ".to_string(),
            c => c.to_string(),
        };
        if first != '!' {
            push(out, &text, shift);
        }
        return start + 1;
    }
    let end = chars[start..]
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .map_or(chars.len(), |p| start + p);
    let name: String = chars[start..end].iter().collect();
    match name.as_str() {
        "bar" | "overline" => {
            let (arg, next) = argument(chars, end);
            let mut inner = Vec::new();
            let mut j = 0;
            while j < arg.len() {
                j = math_item(&arg, j, shift, &mut inner);
            }
            for run in inner {
                push_run(out, &run.text, run.shift, true);
            }
            next
        }
        "mathrm" | "text" | "mathit" | "mathbf" | "textrm" | "mathsf" | "rm" => {
            if chars.get(end) == Some(&'{') {
                math_item(chars, end, shift, out)
            } else {
                end
            }
        }
        _ => {
            let text = match symbol(&name) {
                // Relations are set off by spaces, as TeX does.
                Some(sym) if RELATIONS.contains(&name.as_str()) => format!(" {sym} "),
                Some(sym) => sym.to_string(),
                None => name.clone(),
            };
            push(out, &text, shift);
            end
        }
    }
}

/// A command's argument: a braced group or a single character.
fn argument(chars: &[char], i: usize) -> (Vec<char>, usize) {
    match chars.get(i) {
        Some('{') => group(chars, i),
        Some(&c) => (vec![c], i + 1),
        None => (Vec::new(), i),
    }
}

const RELATIONS: [&str; 13] = [
    "rightarrow",
    "to",
    "leftarrow",
    "geq",
    "ge",
    "leq",
    "le",
    "neq",
    "ne",
    "approx",
    "sim",
    "equiv",
    "propto",
];

fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "eta" => "η",
        "theta" => "θ",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Sigma" => "Σ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "ell" => "ℓ",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "rightarrow" | "to" => "→",
        "leftarrow" => "←",
        "geq" | "ge" => "≥",
        "leq" | "le" => "≤",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "equiv" => "≡",
        "propto" => "∝",
        "sim" => "~",
        "infty" => "∞",
        "sqrt" => "√",
        "prime" => "′",
        "circ" => "°",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(label: &str) -> Vec<(String, Shift)> {
        label_runs(label)
            .into_iter()
            .map(|r| (r.text, r.shift))
            .collect()
    }

    #[test]
    fn config_labels() {
        assert_eq!(plain("$t\\bar{t}$"), "tt\u{304}");
        assert_eq!(
            label_runs("$t\\bar{t}$"),
            vec![
                Run {
                    text: "t".into(),
                    shift: Shift::Normal,
                    bar: false
                },
                Run {
                    text: "t".into(),
                    shift: Shift::Normal,
                    bar: true
                }
            ]
        );
        assert_eq!(plain("$t\\bar{t}$ SL"), "tt\u{304} SL");
        assert_eq!(plain("$\\mu$"), "μ");
        assert_eq!(plain("Drell-Yan"), "Drell-Yan");
        assert_eq!(plain("4j, 1b"), "4j, 1b");
        assert_eq!(
            runs("$H_{T}$ (4 leading jets)"),
            vec![
                ("H".to_string(), Shift::Normal),
                ("T".to_string(), Shift::Sub),
                (" (4 leading jets)".to_string(), Shift::Normal)
            ]
        );
        assert_eq!(
            runs("fb$^{-1}$"),
            vec![
                ("fb".to_string(), Shift::Normal),
                ("-1".to_string(), Shift::Sup)
            ]
        );
    }

    #[test]
    fn commands_groups_and_escapes() {
        assert_eq!(plain("$\\Delta R(\\ell,\\,j) \\geq 0.4$"), "ΔR(ℓ, j) ≥ 0.4");
        assert_eq!(plain("$\\mathrm{GeV}$"), "GeV");
        assert_eq!(plain("cost \\$5"), "cost $5");
        assert_eq!(plain("$\\foo x$"), "foox");
        assert_eq!(plain("$p_T^{miss}$"), "pTmiss");
        assert_eq!(runs("$E_T^{miss}$")[2], ("miss".to_string(), Shift::Sup));
        // Unbalanced input never panics.
        assert_eq!(plain("$x_{ab$"), "xab$");
        assert_eq!(plain("$\\$"), "$");
        assert_eq!(plain("$a_$"), "a$");
        assert_eq!(plain("$\\"), "");
    }
}
