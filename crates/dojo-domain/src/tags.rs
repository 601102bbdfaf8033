//! Tag normalisation: DefectDojo stores tags lower-case and splits comma lists.

/// Splits tag input as DefectDojo's tag fields do: on commas outside double quotes,
/// trimmed, lower-cased, empty parts dropped, duplicates removed (first kept).
pub fn normalise_tags<'a>(inputs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for input in inputs {
        let mut current = String::new();
        let mut quoted = false;
        let mut push = |part: &mut String| {
            let tag = part.trim().to_lowercase();
            if !tag.is_empty() && !out.contains(&tag) {
                out.push(tag);
            }
            part.clear();
        };
        for ch in input.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => push(&mut current),
                _ => current.push(ch),
            }
        }
        push(&mut current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lowercases_and_dedups() {
        assert_eq!(
            normalise_tags(["PCI, web", "\"a,b\"", "web"]),
            vec!["pci", "web", "a,b"]
        );
        assert!(normalise_tags([" , "]).is_empty());
    }
}
