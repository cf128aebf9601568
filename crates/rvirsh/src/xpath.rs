//! `--xpath` for the XML dump commands: evaluate an XPath 1.0 expression over the XML a
//! command would print and print each selected node on its own, formatted the way libxml2
//! serializes nodes (double-quoted attributes, two-space indentation), optionally wrapped in
//! a `<nodes>` element.
//!
//! Only node-set results can be printed; an expression that yields a string, number or
//! boolean is "incorrect". A syntax error is reported on stderr in libxml2's words and the
//! command still succeeds with no output, as virsh does.

use rvirt_xml::tree::{Element, Node as XNode};

type Id = usize;

#[derive(Debug)]
enum Kind {
    Document,
    Element {
        name: String,
        ns: Option<String>,
        attrs: Vec<Id>,
    },
    Attr {
        name: String,
        value: String,
    },
    Text(String),
    Comment(String),
}

#[derive(Debug)]
struct DNode {
    kind: Kind,
    parent: Option<Id>,
    children: Vec<Id>,
}

/// A parsed document as an arena in document order (element, its attributes, its content).
struct Doc {
    nodes: Vec<DNode>,
}

impl Doc {
    fn from_root(root: &Element) -> Doc {
        let mut d = Doc {
            nodes: vec![DNode {
                kind: Kind::Document,
                parent: None,
                children: Vec::new(),
            }],
        };
        let r = d.add_element(root, 0);
        d.nodes[0].children.push(r);
        d
    }

    fn add_element(&mut self, el: &Element, parent: Id) -> Id {
        let id = self.nodes.len();
        self.nodes.push(DNode {
            kind: Kind::Element {
                name: el.name.clone(),
                ns: el.ns.clone(),
                attrs: Vec::new(),
            },
            parent: Some(parent),
            children: Vec::new(),
        });
        // Namespace declarations are printed before other attributes, as libxml2 does.
        let mut attrs: Vec<&(String, String)> = el
            .attrs
            .iter()
            .filter(|(k, _)| k == "xmlns" || k.starts_with("xmlns:"))
            .collect();
        attrs.extend(
            el.attrs
                .iter()
                .filter(|(k, _)| !(k == "xmlns" || k.starts_with("xmlns:"))),
        );
        let mut ids = Vec::new();
        for (k, v) in attrs {
            let aid = self.nodes.len();
            self.nodes.push(DNode {
                kind: Kind::Attr {
                    name: k.clone(),
                    value: v.clone(),
                },
                parent: Some(id),
                children: Vec::new(),
            });
            ids.push(aid);
        }
        if let Kind::Element { attrs, .. } = &mut self.nodes[id].kind {
            *attrs = ids;
        }
        let has_elements = el.children.iter().any(|c| matches!(c, XNode::Element(_)));
        let mut kids = Vec::new();
        for c in &el.children {
            match c {
                XNode::Element(e) => kids.push(self.add_element(e, id)),
                XNode::Text(t) => {
                    // Blank text between elements is formatting, not content.
                    if has_elements && t.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
                        continue;
                    }
                    let tid = self.nodes.len();
                    self.nodes.push(DNode {
                        kind: Kind::Text(t.clone()),
                        parent: Some(id),
                        children: Vec::new(),
                    });
                    kids.push(tid);
                }
                XNode::Comment(t) => {
                    let tid = self.nodes.len();
                    self.nodes.push(DNode {
                        kind: Kind::Comment(t.clone()),
                        parent: Some(id),
                        children: Vec::new(),
                    });
                    kids.push(tid);
                }
            }
        }
        self.nodes[id].children = kids;
        id
    }

    fn root_element(&self) -> Id {
        self.nodes[0].children.first().copied().unwrap_or(0)
    }

    fn is_attr(&self, id: Id) -> bool {
        matches!(self.nodes[id].kind, Kind::Attr { .. })
    }

    fn string_value(&self, id: Id) -> String {
        match &self.nodes[id].kind {
            Kind::Attr { value, .. } => value.clone(),
            Kind::Text(t) | Kind::Comment(t) => t.clone(),
            Kind::Document | Kind::Element { .. } => {
                let mut s = String::new();
                self.collect_text(id, &mut s);
                s
            }
        }
    }

    fn collect_text(&self, id: Id, out: &mut String) {
        for &c in &self.nodes[id].children {
            match &self.nodes[c].kind {
                Kind::Text(t) => out.push_str(t),
                Kind::Element { .. } => self.collect_text(c, out),
                _ => {}
            }
        }
    }

    fn name_of(&self, id: Id) -> &str {
        match &self.nodes[id].kind {
            Kind::Element { name, .. } | Kind::Attr { name, .. } => name,
            _ => "",
        }
    }

    fn descendants(&self, id: Id, out: &mut Vec<Id>) {
        for &c in &self.nodes[id].children {
            out.push(c);
            self.descendants(c, out);
        }
    }

    fn siblings(&self, id: Id) -> &[Id] {
        match self.nodes[id].parent {
            Some(p) if !self.is_attr(id) => &self.nodes[p].children,
            _ => &[],
        }
    }
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Slash,
    DSlash,
    LBracket,
    RBracket,
    LParen,
    RParen,
    At,
    Comma,
    DColon,
    Dot,
    DDot,
    Pipe,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Star,
    /// `*` used as multiplication.
    Mul,
    /// `and`, `or`, `div`, `mod` in operator position.
    OpName(String),
    Name(String),
    Literal(String),
    Number(f64),
    Dollar,
}

/// A syntax error at a byte offset of the expression.
#[derive(Debug)]
struct SyntaxError {
    pos: usize,
    message: &'static str,
}

const INVALID: &str = "Invalid expression";

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let b = s.as_bytes();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let start = i;
        // Whether the previous token allows an operator here (XPath 1.0 §3.7).
        let operator_pos = match out.last() {
            None => false,
            Some((t, _)) => !matches!(
                t,
                Tok::At
                    | Tok::DColon
                    | Tok::LParen
                    | Tok::LBracket
                    | Tok::Comma
                    | Tok::Slash
                    | Tok::DSlash
                    | Tok::Pipe
                    | Tok::Plus
                    | Tok::Minus
                    | Tok::Eq
                    | Tok::Ne
                    | Tok::Lt
                    | Tok::Le
                    | Tok::Gt
                    | Tok::Ge
                    | Tok::Mul
                    | Tok::OpName(_)
                    | Tok::Dollar
            ),
        };
        let two = |t: &[u8]| b[i..].starts_with(t);
        let tok = if two(b"//") {
            i += 2;
            Tok::DSlash
        } else if two(b"::") {
            i += 2;
            Tok::DColon
        } else if two(b"..") {
            i += 2;
            Tok::DDot
        } else if two(b"!=") {
            i += 2;
            Tok::Ne
        } else if two(b"<=") {
            i += 2;
            Tok::Le
        } else if two(b">=") {
            i += 2;
            Tok::Ge
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let (n, len) = number(&s[i..]);
            i += len;
            Tok::Number(n)
        } else if c == b'"' || c == b'\'' {
            match s[i + 1..].find(c as char) {
                Some(end) => {
                    let lit = s[i + 1..i + 1 + end].to_string();
                    i += end + 2;
                    Tok::Literal(lit)
                }
                None => {
                    return Err(SyntaxError {
                        pos: s.len(),
                        message: "Unfinished literal",
                    })
                }
            }
        } else if is_name_start(s, i) {
            let len = name_len(s, i);
            let mut name = s[i..i + len].to_string();
            i += len;
            // QName or `prefix:*`.
            if b.get(i) == Some(&b':') && b.get(i + 1) != Some(&b':') {
                if is_name_start(s, i + 1) {
                    let l2 = name_len(s, i + 1);
                    name.push_str(&s[i..i + 1 + l2]);
                    i += 1 + l2;
                } else if b.get(i + 1) == Some(&b'*') {
                    name.push_str(":*");
                    i += 2;
                }
            }
            if operator_pos && matches!(name.as_str(), "and" | "or" | "div" | "mod") {
                Tok::OpName(name)
            } else {
                Tok::Name(name)
            }
        } else {
            i += 1;
            match c {
                b'/' => Tok::Slash,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'@' => Tok::At,
                b',' => Tok::Comma,
                b'.' => Tok::Dot,
                b'|' => Tok::Pipe,
                b'+' => Tok::Plus,
                b'-' => Tok::Minus,
                b'=' => Tok::Eq,
                b'<' => Tok::Lt,
                b'>' => Tok::Gt,
                b'$' => Tok::Dollar,
                b'*' if operator_pos => Tok::Mul,
                b'*' => Tok::Star,
                _ => {
                    return Err(SyntaxError {
                        pos: start,
                        message: INVALID,
                    })
                }
            }
        };
        out.push((tok, start));
    }
    Ok(out)
}

fn is_name_start(s: &str, i: usize) -> bool {
    s[i..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn name_len(s: &str, i: usize) -> usize {
    s[i..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map(|(n, _)| n)
        .unwrap_or(s.len() - i)
}

fn number(s: &str) -> (f64, usize) {
    let len = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map(|(n, _)| n)
        .unwrap_or(s.len());
    (s[..len].parse().unwrap_or(f64::NAN), len)
}

// ---------------------------------------------------------------------------------------
// Parser

#[derive(Clone, Copy, Debug, PartialEq)]
enum Axis {
    Child,
    Descendant,
    DescendantOrSelf,
    Parent,
    Ancestor,
    AncestorOrSelf,
    FollowingSibling,
    PrecedingSibling,
    Following,
    Preceding,
    Attribute,
    Itself,
    Namespace,
}

#[derive(Clone, Debug)]
enum Test {
    Any,
    Name(String),
    /// `prefix:*` (no namespaces are registered, so it never matches)
    Prefix,
    Node,
    Text,
    Comment,
    Pi,
}

#[derive(Clone, Debug)]
struct Step {
    axis: Axis,
    test: Test,
    preds: Vec<Expr>,
}

#[derive(Clone, Debug)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Cmp(Tok, Box<Expr>, Box<Expr>),
    Arith(char, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Union(Box<Expr>, Box<Expr>),
    /// A location path, absolute or relative to the context node.
    Path {
        absolute: bool,
        steps: Vec<Step>,
    },
    /// A primary expression with predicates, then optional further steps.
    Filter {
        primary: Box<Expr>,
        preds: Vec<Expr>,
        steps: Vec<Step>,
    },
    Literal(String),
    Number(f64),
    Call(String, Vec<Expr>),
    /// `$name`; no variables are defined.
    Var,
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    end: usize,
    /// Nesting of parentheses and predicates, bounded so hostile input cannot exhaust the
    /// stack.
    depth: usize,
}

const MAX_NESTING: usize = 100;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(t, _)| t)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.i + n).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map(|(_, p)| *p).unwrap_or(self.end)
    }

    fn err<T>(&self) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            pos: self.pos(),
            message: INVALID,
        })
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) -> Result<(), SyntaxError> {
        if self.eat(t) {
            Ok(())
        } else {
            self.err()
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.and_expr()?;
        while self.peek() == Some(&Tok::OpName("or".into())) {
            self.i += 1;
            let r = self.and_expr()?;
            l = Expr::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn and_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.eq_expr()?;
        while self.peek() == Some(&Tok::OpName("and".into())) {
            self.i += 1;
            let r = self.eq_expr()?;
            l = Expr::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn eq_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.rel_expr()?;
        while let Some(t @ (Tok::Eq | Tok::Ne)) = self.peek().cloned() {
            self.i += 1;
            let r = self.rel_expr()?;
            l = Expr::Cmp(t, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn rel_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.add_expr()?;
        while let Some(t @ (Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge)) = self.peek().cloned() {
            self.i += 1;
            let r = self.add_expr()?;
            l = Expr::Cmp(t, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn add_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.mul_expr()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => '+',
                Some(Tok::Minus) => '-',
                _ => return Ok(l),
            };
            self.i += 1;
            let r = self.mul_expr()?;
            l = Expr::Arith(op, Box::new(l), Box::new(r));
        }
    }

    fn mul_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.unary_expr()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Mul) => '*',
                Some(Tok::OpName(n)) if n == "div" => '/',
                Some(Tok::OpName(n)) if n == "mod" => '%',
                _ => return Ok(l),
            };
            self.i += 1;
            let r = self.unary_expr()?;
            l = Expr::Arith(op, Box::new(l), Box::new(r));
        }
    }

    fn unary_expr(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat(&Tok::Minus) {
            if self.depth >= MAX_NESTING {
                return self.err();
            }
            self.depth += 1;
            let e = self.unary_expr();
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e?)));
        }
        self.union_expr()
    }

    fn union_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut l = self.path_expr()?;
        while self.eat(&Tok::Pipe) {
            let r = self.path_expr()?;
            l = Expr::Union(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn path_expr(&mut self) -> Result<Expr, SyntaxError> {
        let primary = match self.peek().cloned() {
            Some(Tok::Literal(s)) => {
                self.i += 1;
                Some(Expr::Literal(s))
            }
            Some(Tok::Number(n)) => {
                self.i += 1;
                Some(Expr::Number(n))
            }
            Some(Tok::LParen) => {
                self.i += 1;
                let e = self.nested()?;
                self.expect(&Tok::RParen)?;
                Some(e)
            }
            Some(Tok::Dollar) => {
                self.i += 1;
                match self.peek().cloned() {
                    Some(Tok::Name(_)) => {
                        self.i += 1;
                        Some(Expr::Var)
                    }
                    _ => return self.err(),
                }
            }
            Some(Tok::Name(n))
                if self.peek_at(1) == Some(&Tok::LParen)
                    && !matches!(
                        n.as_str(),
                        "node" | "text" | "comment" | "processing-instruction"
                    ) =>
            {
                self.i += 2;
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) && self.peek().is_some() {
                    loop {
                        args.push(self.nested()?);
                        if self.eat(&Tok::Comma) {
                            continue;
                        }
                        self.expect(&Tok::RParen)?;
                        break;
                    }
                }
                Some(Expr::Call(n, args))
            }
            _ => None,
        };
        if let Some(p) = primary {
            let mut preds = Vec::new();
            while self.peek() == Some(&Tok::LBracket) {
                preds.push(self.predicate()?);
            }
            let steps = self.more_steps()?;
            if preds.is_empty() && steps.is_empty() {
                return Ok(p);
            }
            return Ok(Expr::Filter {
                primary: Box::new(p),
                preds,
                steps,
            });
        }
        // A location path.
        match self.peek() {
            Some(Tok::Slash) => {
                self.i += 1;
                let mut steps = Vec::new();
                if self.starts_step() {
                    steps.push(self.step()?);
                    steps.extend(self.more_steps()?);
                }
                Ok(Expr::Path {
                    absolute: true,
                    steps,
                })
            }
            Some(Tok::DSlash) => {
                self.i += 1;
                let mut steps = vec![desc_or_self()];
                steps.push(self.step()?);
                steps.extend(self.more_steps()?);
                Ok(Expr::Path {
                    absolute: true,
                    steps,
                })
            }
            _ => {
                let mut steps = vec![self.step()?];
                steps.extend(self.more_steps()?);
                Ok(Expr::Path {
                    absolute: false,
                    steps,
                })
            }
        }
    }

    fn more_steps(&mut self) -> Result<Vec<Step>, SyntaxError> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Slash) => {
                    self.i += 1;
                    steps.push(self.step()?);
                }
                Some(Tok::DSlash) => {
                    self.i += 1;
                    steps.push(desc_or_self());
                    steps.push(self.step()?);
                }
                _ => return Ok(steps),
            }
        }
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Name(_) | Tok::Star | Tok::At | Tok::Dot | Tok::DDot)
        )
    }

    fn predicate(&mut self) -> Result<Expr, SyntaxError> {
        self.expect(&Tok::LBracket)?;
        let e = self.nested()?;
        if !self.eat(&Tok::RBracket) {
            return Err(SyntaxError {
                pos: self.pos(),
                message: "Invalid predicate",
            });
        }
        Ok(e)
    }

    /// A sub-expression inside brackets or parentheses.
    fn nested(&mut self) -> Result<Expr, SyntaxError> {
        if self.depth >= MAX_NESTING {
            return self.err();
        }
        self.depth += 1;
        let e = self.expr();
        self.depth -= 1;
        e
    }

    fn step(&mut self) -> Result<Step, SyntaxError> {
        if self.eat(&Tok::Dot) {
            return Ok(Step {
                axis: Axis::Itself,
                test: Test::Node,
                preds: Vec::new(),
            });
        }
        if self.eat(&Tok::DDot) {
            return Ok(Step {
                axis: Axis::Parent,
                test: Test::Node,
                preds: Vec::new(),
            });
        }
        let mut axis = Axis::Child;
        if self.eat(&Tok::At) {
            axis = Axis::Attribute;
        } else if let (Some(Tok::Name(n)), Some(Tok::DColon)) = (self.peek(), self.peek_at(1)) {
            axis = match n.as_str() {
                "child" => Axis::Child,
                "descendant" => Axis::Descendant,
                "descendant-or-self" => Axis::DescendantOrSelf,
                "parent" => Axis::Parent,
                "ancestor" => Axis::Ancestor,
                "ancestor-or-self" => Axis::AncestorOrSelf,
                "following-sibling" => Axis::FollowingSibling,
                "preceding-sibling" => Axis::PrecedingSibling,
                "following" => Axis::Following,
                "preceding" => Axis::Preceding,
                "attribute" => Axis::Attribute,
                "self" => Axis::Itself,
                "namespace" => Axis::Namespace,
                _ => return self.err(),
            };
            self.i += 2;
        }
        let test = match self.peek().cloned() {
            Some(Tok::Star) => {
                self.i += 1;
                Test::Any
            }
            Some(Tok::Name(n)) => {
                self.i += 1;
                if self.peek() == Some(&Tok::LParen) {
                    let t = match n.as_str() {
                        "node" => Test::Node,
                        "text" => Test::Text,
                        "comment" => Test::Comment,
                        "processing-instruction" => Test::Pi,
                        _ => return self.err(),
                    };
                    self.i += 1;
                    if let Some(Tok::Literal(_)) = self.peek() {
                        self.i += 1;
                    }
                    self.expect(&Tok::RParen)?;
                    t
                } else if n.ends_with(":*") {
                    Test::Prefix
                } else {
                    Test::Name(n)
                }
            }
            _ => return self.err(),
        };
        let mut preds = Vec::new();
        while self.peek() == Some(&Tok::LBracket) {
            preds.push(self.predicate()?);
        }
        Ok(Step { axis, test, preds })
    }
}

fn desc_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: Test::Node,
        preds: Vec::new(),
    }
}

fn compile(s: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(s)?;
    let mut p = Parser {
        toks,
        i: 0,
        end: s.len(),
        depth: 0,
    };
    let e = p.expr()?;
    if p.i < p.toks.len() {
        return p.err();
    }
    Ok(e)
}

// ---------------------------------------------------------------------------------------
// Evaluation

#[derive(Clone, Debug)]
enum Val {
    Nodes(Vec<Id>),
    Str(String),
    Num(f64),
    Bool(bool),
}

/// An evaluation failure, already worded as libxml2 prints it.
#[derive(Debug)]
struct EvalError(String);

struct Ctx {
    node: Id,
    pos: usize,
    size: usize,
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

    fn eval(&self, e: &Expr, ctx: &Ctx) -> Result<Val, EvalError> {
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

// ---------------------------------------------------------------------------------------
// Serialization

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

impl Doc {
    fn dump(&self, n: Id, level: usize, out: &mut String) {
        match &self.nodes[n].kind {
            Kind::Document => {
                out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                for &c in &self.nodes[n].children {
                    self.dump(c, 0, out);
                    out.push('\n');
                }
            }
            Kind::Attr { name, value } => {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                escape_attr(value, out);
                out.push('"');
            }
            Kind::Text(t) => escape_text(t, out),
            Kind::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
            Kind::Element { name, attrs, .. } => {
                self.dump_element(name, attrs, &self.nodes[n].children, level, out);
            }
        }
    }

    fn dump_element(
        &self,
        name: &str,
        attrs: &[Id],
        children: &[Id],
        level: usize,
        out: &mut String,
    ) {
        out.push('<');
        out.push_str(name);
        for &a in attrs {
            self.dump(a, level, out);
        }
        if children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = children
            .iter()
            .all(|&c| !matches!(self.nodes[c].kind, Kind::Text(_)));
        for &c in children {
            if format {
                out.push('\n');
                out.push_str(&"  ".repeat(level + 1));
            }
            self.dump(c, level + 1, out);
        }
        if format {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// What `--xpath` produced.
#[derive(Debug, PartialEq, Eq)]
pub enum XPathOutput {
    /// Text for stdout (each node followed by a newline).
    Nodes(String),
    /// A libxml2 diagnostic for stderr; the command still succeeds with no output.
    Diagnostic(String),
    /// The expression does not select nodes: virsh's `Incorrect xpath '...'`.
    NotNodeSet,
}

/// Evaluates `expr` over `xml` and formats the result as virsh prints it.
pub fn select(xml: &str, expr: &str, wrap: bool) -> Result<XPathOutput, rvirt::Error> {
    let root = rvirt_xml::tree::parse_document(xml, "(null)").map_err(rvirt::Error::from)?;
    let doc = Doc::from_root(&root);
    let ast = match compile(expr) {
        Ok(a) => a,
        Err(e) => {
            let mut d = format!("XPath error : {}\n", e.message);
            if e.pos < expr.len() && e.pos < 100 {
                d.push_str(&format!("{expr}\n{}^\n", " ".repeat(e.pos)));
            }
            return Ok(XPathOutput::Diagnostic(d));
        }
    };
    let ctx = Ctx {
        node: doc.root_element(),
        pos: 1,
        size: 1,
    };
    let nodes = match doc.eval(&ast, &ctx) {
        Ok(Val::Nodes(n)) => n,
        Ok(_) => return Ok(XPathOutput::NotNodeSet),
        Err(EvalError(m)) => {
            let d = if m.starts_with("xmlXPathCompOpEval") {
                format!("{m}\n")
            } else {
                format!("XPath error : {m}\n")
            };
            return Ok(XPathOutput::Diagnostic(d));
        }
    };
    let mut out = String::new();
    if wrap {
        // Adding an attribute replaces one of the same name, which moves to the end.
        let mut attrs: Vec<Id> = Vec::new();
        for &n in nodes.iter().filter(|&&n| doc.is_attr(n)) {
            attrs.retain(|&a| doc.name_of(a) != doc.name_of(n));
            attrs.push(n);
        }
        let kids: Vec<Id> = nodes.iter().copied().filter(|&n| !doc.is_attr(n)).collect();
        doc.dump_element("nodes", &attrs, &kids, 0, &mut out);
        out.push('\n');
    } else {
        for n in nodes {
            doc.dump(n, 0, &mut out);
            out.push('\n');
        }
    }
    Ok(XPathOutput::Nodes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<domain type='test' id='1'>\n  <name>test</name>\n  <devices>\n    <disk type='file'>\n      <address bus='0x01'/>\n    </disk>\n    <interface type='network'>\n      <mac address='aa:bb'/>\n      <address bus='0x00'/>\n    </interface>\n  </devices>\n</domain>\n";

    fn nodes(expr: &str, wrap: bool) -> String {
        match select(XML, expr, wrap) {
            Ok(XPathOutput::Nodes(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selections() {
        assert_eq!(nodes("//name", false), "<name>test</name>\n");
        assert_eq!(nodes("name", false), "<name>test</name>\n");
        assert_eq!(nodes("//mac/@address", false), " address=\"aa:bb\"\n");
        assert_eq!(
            nodes("//devices/*/address", false),
            "<address bus=\"0x01\"/>\n<address bus=\"0x00\"/>\n"
        );
        assert_eq!(nodes("//nosuch", false), "");
        assert_eq!(nodes("//nosuch", true), "<nodes/>\n");
        assert_eq!(
            nodes("//mac/@address", true),
            "<nodes address=\"aa:bb\"/>\n"
        );
        assert_eq!(
            nodes("//disk", false),
            "<disk type=\"file\">\n  <address bus=\"0x01\"/>\n</disk>\n"
        );
        assert_eq!(
            nodes("//address", true),
            "<nodes>\n  <address bus=\"0x01\"/>\n  <address bus=\"0x00\"/>\n</nodes>\n"
        );
        assert_eq!(
            nodes("//interface[@type='network']/mac", false),
            "<mac address=\"aa:bb\"/>\n"
        );
        assert_eq!(
            nodes("//disk[1]/address | //name", false),
            "<name>test</name>\n<address bus=\"0x01\"/>\n"
        );
        assert_eq!(nodes("//name/text()", false), "test\n");
    }

    #[test]
    fn non_node_results() {
        assert_eq!(
            select(XML, "count(//x)", false).ok(),
            Some(XPathOutput::NotNodeSet)
        );
        assert_eq!(
            select(XML, "string(//name)", false).ok(),
            Some(XPathOutput::NotNodeSet)
        );
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(
            select(XML, "//[", false).ok(),
            Some(XPathOutput::Diagnostic(
                "XPath error : Invalid expression\n//[\n  ^\n".into()
            ))
        );
        assert_eq!(
            select(XML, "//a[", false).ok(),
            Some(XPathOutput::Diagnostic(
                "XPath error : Invalid expression\n".into()
            ))
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(expr in "[a-z/@\\[\\]()*.:|=' 0-9-]{0,20}") {
            let _ = select(XML, &expr, true);
        }
    }
}
