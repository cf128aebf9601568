//! Evaluating an expression tree against a document: axes, node tests, predicates, the
//! core function library and XPath's comparison and conversion rules.

use super::doc::{Doc, Id, Kind};
use super::lexer::Tok;
use super::parser::{Axis, Expr, Step, Test};

#[derive(Clone, Debug)]
pub(super) enum Val {
    Nodes(Vec<Id>),
    Str(String),
    Num(f64),
    Bool(bool),
}

/// An evaluation failure, already worded as libxml2 prints it.
#[derive(Debug)]
pub(super) struct EvalError(pub(super) String);

pub(super) struct Ctx {
    pub(super) node: Id,
    pub(super) pos: usize,
    pub(super) size: usize,
}

fn to_num_str(s: &str) -> f64 {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    if t.is_empty() || t.contains(['e', 'E', '+']) {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

fn num_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n == n.trunc() && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Doc {
    fn to_str(&self, v: &Val) -> String {
        match v {
            Val::Nodes(n) => n.first().map(|&i| self.string_value(i)).unwrap_or_default(),
            Val::Str(s) => s.clone(),
            Val::Num(n) => num_to_string(*n),
            Val::Bool(b) => b.to_string(),
        }
    }

    fn to_num(&self, v: &Val) -> f64 {
        match v {
            Val::Num(n) => *n,
            Val::Bool(b) => f64::from(u8::from(*b)),
            _ => to_num_str(&self.to_str(v)),
        }
    }

    fn to_bool(&self, v: &Val) -> bool {
        match v {
            Val::Nodes(n) => !n.is_empty(),
            Val::Str(s) => !s.is_empty(),
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Bool(b) => *b,
        }
    }

    pub(super) fn eval(&self, e: &Expr, ctx: &Ctx) -> Result<Val, EvalError> {
        Ok(match e {
            Expr::Or(a, b) => {
                Val::Bool(self.to_bool(&self.eval(a, ctx)?) || self.to_bool(&self.eval(b, ctx)?))
            }
            Expr::And(a, b) => {
                Val::Bool(self.to_bool(&self.eval(a, ctx)?) && self.to_bool(&self.eval(b, ctx)?))
            }
            Expr::Cmp(op, a, b) => {
                let (x, y) = (self.eval(a, ctx)?, self.eval(b, ctx)?);
                Val::Bool(self.compare(op, &x, &y))
            }
            Expr::Arith(op, a, b) => {
                let x = self.to_num(&self.eval(a, ctx)?);
                let y = self.to_num(&self.eval(b, ctx)?);
                Val::Num(match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    '/' => x / y,
                    _ => x % y,
                })
            }
            Expr::Neg(a) => Val::Num(-self.to_num(&self.eval(a, ctx)?)),
            Expr::Union(a, b) => {
                let (Val::Nodes(mut x), Val::Nodes(y)) = (self.eval(a, ctx)?, self.eval(b, ctx)?)
                else {
                    return Err(EvalError("Invalid type".into()));
                };
                x.extend(y);
                x.sort_unstable();
                x.dedup();
                Val::Nodes(x)
            }
            Expr::Path { absolute, steps } => {
                let start = if *absolute { 0 } else { ctx.node };
                Val::Nodes(self.walk(vec![start], steps)?)
            }
            Expr::Filter {
                primary,
                preds,
                steps,
            } => {
                let v = self.eval(primary, ctx)?;
                if preds.is_empty() && steps.is_empty() {
                    return Ok(v);
                }
                let Val::Nodes(mut nodes) = v else {
                    return Err(EvalError("Invalid type".into()));
                };
                for p in preds {
                    nodes = self.filter(nodes, p, false)?;
                }
                Val::Nodes(self.walk(nodes, steps)?)
            }
            Expr::Literal(s) => Val::Str(s.clone()),
            Expr::Number(n) => Val::Num(*n),
            Expr::Call(name, args) => self.call(name, args, ctx)?,
            Expr::Var => return Err(EvalError("Undefined variable".into())),
        })
    }

    fn compare(&self, op: &Tok, x: &Val, y: &Val) -> bool {
        let strs = |v: &Val| -> Vec<String> {
            match v {
                Val::Nodes(n) => n.iter().map(|&i| self.string_value(i)).collect(),
                other => vec![self.to_str(other)],
            }
        };
        let relational = !matches!(op, Tok::Eq | Tok::Ne);
        let cmp_nums = |a: f64, b: f64| match op {
            Tok::Eq => a == b,
            Tok::Ne => a != b,
            Tok::Lt => a < b,
            Tok::Le => a <= b,
            Tok::Gt => a > b,
            _ => a >= b,
        };
        match (x, y) {
            (Val::Nodes(_), Val::Nodes(_)) => {
                let (a, b) = (strs(x), strs(y));
                a.iter().any(|s| {
                    b.iter().any(|t| {
                        if relational {
                            cmp_nums(to_num_str(s), to_num_str(t))
                        } else if matches!(op, Tok::Eq) {
                            s == t
                        } else {
                            s != t
                        }
                    })
                })
            }
            (Val::Nodes(n), other) | (other, Val::Nodes(n)) => {
                let swapped = matches!(x, Val::Nodes(_)).then_some(()).is_none();
                n.iter().any(|&i| {
                    let s = self.string_value(i);
                    let (l, r) = match other {
                        Val::Num(v) => (to_num_str(&s), *v),
                        Val::Bool(bv) => {
                            let a = f64::from(u8::from(!s.is_empty()));
                            (a, f64::from(u8::from(*bv)))
                        }
                        Val::Str(t) if !relational => {
                            return if matches!(op, Tok::Eq) {
                                s == *t
                            } else {
                                s != *t
                            }
                        }
                        _ => (to_num_str(&s), self.to_num(other)),
                    };
                    if swapped {
                        cmp_nums(r, l)
                    } else {
                        cmp_nums(l, r)
                    }
                })
            }
            _ => {
                if relational {
                    cmp_nums(self.to_num(x), self.to_num(y))
                } else if matches!(x, Val::Bool(_)) || matches!(y, Val::Bool(_)) {
                    let r = self.to_bool(x) == self.to_bool(y);
                    if matches!(op, Tok::Eq) {
                        r
                    } else {
                        !r
                    }
                } else if matches!(x, Val::Num(_)) || matches!(y, Val::Num(_)) {
                    cmp_nums(self.to_num(x), self.to_num(y))
                } else {
                    let r = self.to_str(x) == self.to_str(y);
                    if matches!(op, Tok::Eq) {
                        r
                    } else {
                        !r
                    }
                }
            }
        }
    }

    fn call(&self, name: &str, args: &[Expr], ctx: &Ctx) -> Result<Val, EvalError> {
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.eval(a, ctx)?);
        }
        let arity = |lo: usize, hi: usize| {
            if vals.len() < lo || vals.len() > hi {
                Err(EvalError("Invalid number of arguments".into()))
            } else {
                Ok(())
            }
        };
        let s = |i: usize| -> String {
            match vals.get(i) {
                Some(v) => self.to_str(v),
                None => self.string_value(ctx.node),
            }
        };
        let nodes_arg = |i: usize| -> Result<Option<Vec<Id>>, EvalError> {
            match vals.get(i) {
                None => Ok(None),
                Some(Val::Nodes(n)) => Ok(Some(n.clone())),
                Some(_) => Err(EvalError("Invalid type".into())),
            }
        };
        Ok(match name {
            "last" => {
                arity(0, 0)?;
                Val::Num(ctx.size as f64)
            }
            "position" => {
                arity(0, 0)?;
                Val::Num(ctx.pos as f64)
            }
            "count" => {
                arity(1, 1)?;
                Val::Num(nodes_arg(0)?.map(|n| n.len()).unwrap_or(0) as f64)
            }
            "name" | "local-name" => {
                arity(0, 1)?;
                let node = match nodes_arg(0)? {
                    Some(n) => n.first().copied(),
                    None => Some(ctx.node),
                };
                let n = node.map(|i| self.name_of(i).to_string()).unwrap_or_default();
                if name == "local-name" {
                    Val::Str(n.rsplit(':').next().unwrap_or("").to_string())
                } else {
                    Val::Str(n)
                }
            }
            "namespace-uri" => {
                arity(0, 1)?;
                let node = match nodes_arg(0)? {
                    Some(n) => n.first().copied(),
                    None => Some(ctx.node),
                };
                Val::Str(
                    node.and_then(|i| match &self.nodes[i].kind {
                        Kind::Element { ns, .. } => ns.clone(),
                        _ => None,
                    })
                    .unwrap_or_default(),
                )
            }
            "string" => {
                arity(0, 1)?;
                Val::Str(s(0))
            }
            "concat" => {
                if vals.len() < 2 {
                    return Err(EvalError("Invalid number of arguments".into()));
                }
                Val::Str((0..vals.len()).map(s).collect())
            }
            "contains" => {
                arity(2, 2)?;
                Val::Bool(s(0).contains(&s(1)))
            }
            "starts-with" => {
                arity(2, 2)?;
                Val::Bool(s(0).starts_with(&s(1)))
            }
            "substring-before" => {
                arity(2, 2)?;
                let (a, b) = (s(0), s(1));
                Val::Str(a.find(&b).map(|i| a[..i].to_string()).unwrap_or_default())
            }
            "substring-after" => {
                arity(2, 2)?;
                let (a, b) = (s(0), s(1));
                Val::Str(
                    a.find(&b)
                        .map(|i| a[i + b.len()..].to_string())
                        .unwrap_or_default(),
                )
            }
            "substring" => {
                arity(2, 3)?;
                let chars: Vec<char> = s(0).chars().collect();
                let start = self.to_num(&vals[1]).round();
                let end = match vals.get(2) {
                    Some(v) => start + self.to_num(v).round(),
                    None => f64::INFINITY,
                };
                Val::Str(
                    chars
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| {
                            let p = (*i + 1) as f64;
                            p >= start && p < end
                        })
                        .map(|(_, c)| c)
                        .collect(),
                )
            }
            "string-length" => {
                arity(0, 1)?;
                Val::Num(s(0).chars().count() as f64)
            }
            "normalize-space" => {
                arity(0, 1)?;
                Val::Str(s(0).split_whitespace().collect::<Vec<_>>().join(" "))
            }
            "translate" => {
                arity(3, 3)?;
                let (src, from, to) = (s(0), s(1), s(2));
                let from: Vec<char> = from.chars().collect();
                let to: Vec<char> = to.chars().collect();
                Val::Str(
                    src.chars()
                        .filter_map(|c| match from.iter().position(|&f| f == c) {
                            Some(i) => to.get(i).copied(),
                            None => Some(c),
                        })
                        .collect(),
                )
            }
            "boolean" => {
                arity(1, 1)?;
                Val::Bool(self.to_bool(&vals[0]))
            }
            "not" => {
                arity(1, 1)?;
                Val::Bool(!self.to_bool(&vals[0]))
            }
            "true" => {
                arity(0, 0)?;
                Val::Bool(true)
            }
            "false" => {
                arity(0, 0)?;
                Val::Bool(false)
            }
            "number" => {
                arity(0, 1)?;
                match vals.first() {
                    Some(v) => Val::Num(self.to_num(v)),
                    None => Val::Num(to_num_str(&self.string_value(ctx.node))),
                }
            }
            "sum" => {
                arity(1, 1)?;
                let n = nodes_arg(0)?.unwrap_or_default();
                Val::Num(n.iter().map(|&i| to_num_str(&self.string_value(i))).sum())
            }
            "floor" | "ceiling" | "round" => {
                arity(1, 1)?;
                let n = self.to_num(&vals[0]);
                Val::Num(match name {
                    "floor" => n.floor(),
                    "ceiling" => n.ceil(),
                    _ => (n + 0.5).floor(),
                })
            }
            _ => {
                return Err(EvalError(format!(
                    "xmlXPathCompOpEval: function {name} not found\nXPath error : Unregistered function"
                )))
            }
        })
    }

    fn walk(&self, mut nodes: Vec<Id>, steps: &[Step]) -> Result<Vec<Id>, EvalError> {
        for step in steps {
            let mut next = Vec::new();
            for &n in &nodes {
                let mut sel: Vec<Id> = self
                    .axis(n, step.axis)
                    .into_iter()
                    .filter(|&c| self.matches(c, step))
                    .collect();
                let reverse = matches!(
                    step.axis,
                    Axis::Ancestor
                        | Axis::AncestorOrSelf
                        | Axis::Preceding
                        | Axis::PrecedingSibling
                );
                for p in &step.preds {
                    sel = self.filter(sel, p, reverse)?;
                }
                next.extend(sel);
            }
            next.sort_unstable();
            next.dedup();
            nodes = next;
        }
        Ok(nodes)
    }

    /// Keeps the nodes for which `pred` holds; `reverse` numbers positions backwards (for
    /// reverse axes). `sel` is in document order.
    fn filter(&self, sel: Vec<Id>, pred: &Expr, reverse: bool) -> Result<Vec<Id>, EvalError> {
        let size = sel.len();
        let mut out = Vec::new();
        for (i, &n) in sel.iter().enumerate() {
            let pos = if reverse { size - i } else { i + 1 };
            let ctx = Ctx { node: n, pos, size };
            let v = self.eval(pred, &ctx)?;
            let keep = match v {
                Val::Num(x) => x == pos as f64,
                other => self.to_bool(&other),
            };
            if keep {
                out.push(n);
            }
        }
        Ok(out)
    }

    fn axis(&self, n: Id, axis: Axis) -> Vec<Id> {
        let node = &self.nodes[n];
        match axis {
            Axis::Child => node.children.clone(),
            Axis::Descendant => {
                let mut v = Vec::new();
                self.descendants(n, &mut v);
                v
            }
            Axis::DescendantOrSelf => {
                let mut v = vec![n];
                self.descendants(n, &mut v);
                v
            }
            Axis::Parent => node.parent.into_iter().collect(),
            Axis::Ancestor | Axis::AncestorOrSelf => {
                let mut v = Vec::new();
                if axis == Axis::AncestorOrSelf {
                    v.push(n);
                }
                let mut p = node.parent;
                while let Some(x) = p {
                    v.push(x);
                    p = self.nodes[x].parent;
                }
                v.sort_unstable();
                v
            }
            Axis::FollowingSibling => {
                let s = self.siblings(n);
                s.iter().copied().filter(|&x| x > n).collect()
            }
            Axis::PrecedingSibling => {
                let s = self.siblings(n);
                s.iter().copied().filter(|&x| x < n).collect()
            }
            Axis::Following => {
                let mut desc = Vec::new();
                self.descendants(n, &mut desc);
                let last = desc.iter().copied().max().unwrap_or(n);
                (last + 1..self.nodes.len())
                    .filter(|&x| !self.is_attr(x))
                    .collect()
            }
            Axis::Preceding => {
                let mut anc = Vec::new();
                let mut p = node.parent;
                while let Some(x) = p {
                    anc.push(x);
                    p = self.nodes[x].parent;
                }
                (1..n)
                    .filter(|x| !anc.contains(x) && !self.is_attr(*x))
                    .collect()
            }
            Axis::Attribute => match &node.kind {
                Kind::Element { attrs, .. } => attrs
                    .iter()
                    .copied()
                    .filter(|&a| {
                        let name = self.name_of(a);
                        name != "xmlns" && !name.starts_with("xmlns:")
                    })
                    .collect(),
                _ => Vec::new(),
            },
            Axis::Itself => vec![n],
            Axis::Namespace => Vec::new(),
        }
    }

    fn matches(&self, n: Id, step: &Step) -> bool {
        let kind = &self.nodes[n].kind;
        let principal_attr = step.axis == Axis::Attribute;
        match &step.test {
            Test::Node => true,
            Test::Text => matches!(kind, Kind::Text(_)),
            Test::Comment => matches!(kind, Kind::Comment(_)),
            Test::Pi => false,
            Test::Any => {
                if principal_attr {
                    matches!(kind, Kind::Attr { .. })
                } else {
                    matches!(kind, Kind::Element { .. })
                }
            }
            Test::Prefix => false,
            Test::Name(want) => match kind {
                Kind::Element { name, ns, .. } if !principal_attr => {
                    // Unprefixed names match only elements in no namespace.
                    ns.is_none() && name == want
                }
                Kind::Attr { name, .. } if principal_attr => name == want,
                _ => false,
            },
        }
    }
}
