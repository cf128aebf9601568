use super::*;

#[test]
fn pretty_layout_is_yajls() {
    let v = parse(r#"{"return":[],"id":"libvirt-1","e":{},"a":[1,{"b":null}]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        to_string(&v, true),
        "{\n  \"return\": [\n\n  ],\n  \"id\": \"libvirt-1\",\n  \"e\": {\n\n  },\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}\n"
    );
    assert_eq!(
        to_string(&v, false),
        r#"{"return":[],"id":"libvirt-1","e":{},"a":[1,{"b":null}]}"#
    );
}

#[test]
fn numbers_keep_their_text_and_strings_are_reescaped() {
    let v = parse(r#"{"x" : 1.50e3, "s":"\u00e9\/\t\u0001\ud800x\ud83d\ude00", "z":"a\u0000b"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        to_string(&v, false),
        "{\"x\":1.50e3,\"s\":\"\u{e9}/\\t\\u0001?x\u{1f600}\",\"z\":\"a\"}"
    );
}

#[test]
fn scalars_and_whitespace_documents() {
    assert_eq!(parse(" 123 "), Ok(Value::Number("123".into())));
    assert_eq!(parse("true"), Ok(Value::Bool(true)));
    assert!(parse("").is_err());
    assert!(parse("{} {}").is_err());
    assert!(parse("/**/{}").is_err());
}

#[test]
fn errors_point_where_yajl_points() {
    // Recorded from virsh 9.0 (see tests/data/virsh/qmc-wrap-*.err).
    let e = parse("{b,c}").err().unwrap_or_default();
    assert_eq!(
        e,
        "cannot parse json {b,c}: lexical error: invalid char in json text.\n\
         \x20                                     {b,c}\n\
         \x20                    (right here) ------^\n"
    );
    let e = parse(r#"{"x":"abc}"#).err().unwrap_or_default();
    assert!(
        e.contains("parse error: premature EOF\n                                       {"),
        "{e}"
    );
    let e = parse(r#"{"x":01}"#).err().unwrap_or_default();
    assert!(
        e.contains("inside map, I expect ',' or '}'\n                                  {"),
        "{e}"
    );
}
