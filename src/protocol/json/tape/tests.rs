//! The tape's own tests; the parser's property tests against serde_json cover the scan.

use super::*;

#[test]
fn reads_fields_without_building_values() {
    let mut tape = Tape::default();
    let doc = tape
        .scan(br#" {"a": [1, -2.5, "x\u00e9\n"], "b": {"c": null, "c": true}, "d": "pl\u00e9"} "#)
        .unwrap();
    let root = doc.root();
    assert_eq!(root.kind(), Kind::Object);
    assert_eq!(root.len(), 3);
    let a: Vec<_> = root.get("a").unwrap().items().collect();
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].as_u64(), Some(1));
    assert_eq!(a[1].as_number().and_then(|n| n.as_f64()), Some(-2.5));
    assert_eq!(a[2].as_str().unwrap(), "x\u{e9}\n");
    assert!(matches!(root.get("d").unwrap().as_str().unwrap(), Cow::Owned(_)));
    // The last of a repeated key wins, as in JavaScript.
    assert_eq!(root.get("b").unwrap().get("c").unwrap().as_bool(), Some(true));
    assert!(root.get("missing").is_none());
    assert!(root.get("a").unwrap().get("x").is_none());
    assert_eq!(root.get("b").unwrap().to_value(), serde_json::json!({"c": true}));
}

proptest::proptest! {
    /// Straight to UTF-16 reads every string as unescaping and `encode_utf16` do.
    #[test]
    fn utf16_agrees_with_the_string(s in ".*", escape_all in proptest::bool::ANY) {
        let json = if escape_all {
            let units: String = s.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
            format!("\"{units}\"")
        } else {
            serde_json::to_string(&s).unwrap()
        };
        let mut tape = Tape::default();
        let node = tape.scan(json.as_bytes()).unwrap().root();
        let mut units = Vec::new();
        node.push_utf16(&mut units);
        proptest::prop_assert_eq!(units, s.encode_utf16().collect::<Vec<_>>());
        proptest::prop_assert_eq!(node.as_str().unwrap(), s);
    }
}

#[test]
fn flags_say_what_a_string_needs() {
    let mut tape = Tape::default();
    let doc = tape.scan("[\"plain\", \"caf\u{e9}\", \"a\\\"b\"]".as_bytes()).unwrap();
    let flags: Vec<u32> = doc.root().items().map(|n| n.word(0) & !0xf).collect();
    assert_eq!(flags, [0, NON_ASCII, ESCAPED]);
}
