//! The XPath 1.0 grammar as a recursive-descent parser producing an expression tree, with
//! libxml2's leniencies (a function call may lack its closing parenthesis at the very end)
//! and error wording.

use super::lexer::{lex, SyntaxError, Tok, INVALID};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Axis {
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
pub(super) enum Test {
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
pub(super) struct Step {
    pub(super) axis: Axis,
    pub(super) test: Test,
    pub(super) preds: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
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

pub(super) fn compile(s: &str) -> Result<Expr, SyntaxError> {
    // libxml2 reads tokens as it parses, so a bad token is reported only if the parse gets
    // that far: an error the parser finds before it wins over the lexer's.
    let (toks, lex_error) = match lex(s) {
        Ok(t) => (t, None),
        Err((t, e)) => (t, Some(e)),
    };
    let mut p = Parser {
        end: lex_error.as_ref().map_or(s.len(), |e| e.pos),
        toks,
        i: 0,
        depth: 0,
    };
    let parsed = p.expr();
    let reached_end = p.i >= p.toks.len();
    match (parsed, lex_error) {
        (Err(_), Some(le)) if reached_end => Err(le),
        (Err(e), _) => Err(e),
        (Ok(_), Some(le)) if reached_end => Err(le),
        (Ok(_), _) if !reached_end => p.err(),
        (Ok(e), _) => Ok(e),
    }
}
