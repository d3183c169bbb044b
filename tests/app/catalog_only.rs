//! Every word on a page comes from the message catalog: a template may hold markup,
//! expressions and punctuation, but no text of its own.

use std::path::Path;

/// What is left of a template once tags, expressions, statements and comments are taken out.
fn loose_text(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while !rest.is_empty() {
        let next =
            ["<", "{{", "{%", "{#"].iter().filter_map(|open| rest.find(open).map(|i| (i, *open))).min();
        match next {
            None => {
                out.push_str(rest);
                break;
            }
            Some((i, open)) => {
                out.push_str(&rest[..i]);
                out.push(' ');
                let close = match open {
                    "<" => ">",
                    "{{" => "}}",
                    "{%" => "%}",
                    _ => "#}",
                };
                let after = &rest[i + open.len()..];
                rest = after.find(close).map_or("", |j| &after[j + close.len()..]);
            }
        }
    }
    out
}

fn templates(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            templates(&path, found);
        } else if path.extension().is_some_and(|e| e == "html") {
            found.push(path);
        }
    }
}

#[test]
fn no_template_carries_user_visible_text_outside_the_catalog() {
    let mut found = Vec::new();
    templates(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"), &mut found);
    assert!(found.len() > 20, "the templates were found");
    let mut offenders = Vec::new();
    for path in found {
        let text = std::fs::read_to_string(&path).unwrap();
        let loose = loose_text(&text);
        let words: Vec<&str> =
            loose.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).collect();
        if !words.is_empty() {
            offenders.push(format!("{}: {:?}", path.display(), words));
        }
    }
    assert!(offenders.is_empty(), "text outside the catalog:\n{}", offenders.join("\n"));
}

#[test]
fn the_scanner_finds_loose_text() {
    assert_eq!(loose_text("<p>{{ m.hello }}</p>").split_whitespace().count(), 0);
    let loose = loose_text("<p>Hello {{ name }}</p>{% if x %}·{% endif %}");
    assert_eq!(loose.split_whitespace().collect::<Vec<_>>(), ["Hello", "·"]);
}
