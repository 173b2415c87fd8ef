//! Small shared helpers for the SVG and HTML this crate writes by hand.
//!
//! Promise: [`escape`] makes any string safe as XML/HTML text or as a quoted
//! attribute value; [`text_width`] is a deliberately generous estimate of
//! how wide a label renders (no font is measured: the viewer picks it).

/// Escape `&`, `<`, `>`, `"` and `'` for XML/HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Approximate rendered width in pixels of `s` at `font_px` in a sans-serif
/// font. 0.6 em per character over-estimates most proportional fonts, so
/// labels get room rather than overlapping.
pub fn text_width(s: &str, font_px: f64) -> f64 {
    s.chars().count() as f64 * font_px * 0.6
}

/// A categorical palette (Okabe-Ito, distinguishable with colour blindness).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (0, 0, 0),
];

#[cfg(test)]
pub fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"a<b & "c" 'd'>"#), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
        assert_eq!(escape("client-2"), "client-2");
    }
}
