//! The README shows the tool of `examples/custom_tool.rs` as it is: the two must not drift
//! apart (the README's copy compiles as a doctest, the example runs in the test command).

#[test]
fn the_readme_shows_the_example_tool_as_it_is() {
    let example = include_str!("../examples/custom_tool.rs");
    let readme = include_str!("../README.md");
    let start = example.find("/// Counts the words of `text`.").expect("the tool's doc line");
    let end = example.find("#[tokio::main]").expect("the example's main");
    let tool = example[start..end].trim_end();
    assert!(tool.contains("impl Tool for WordCount"), "{tool}");
    assert!(readme.contains(tool), "the README's word_count differs from the example's:\n{tool}");
}
