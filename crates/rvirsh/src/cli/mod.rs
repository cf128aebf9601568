//! Reading what the user typed: global options, tokens, commands and option values.

pub mod defs;
pub mod global;
pub mod parser;
pub mod tokenizer;
pub mod values;
