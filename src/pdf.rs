//! PDF documents set in a Chinese font: A4 pages laid out top to bottom
//! (paragraphs, headings, tables as wrapped rows, images scaled into the
//! page), page numbers at the foot. The inspection report and the address
//! certificate are written with it.

use printpdf::{
    FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage,
    TextItem, XObjectTransform,
};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;
const TOP: f32 = 277.0;
const BOTTOM: f32 = 22.0;
const WIDTH: f32 = 170.0;
pub(crate) const BODY: f32 = 10.0;

/// Millimetres a point measures.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// Lays out pages top to bottom.
pub(crate) struct Pages {
    font: FontId,
    pages: Vec<Vec<Op>>,
    /// The baseline of the next line, mm from the page's foot.
    pub y: f32,
}

/// Breaks `text` into lines no wider than `width` mm at `size` pt (a
/// Chinese character takes about 1 em, Latin letters and digits about
/// 0.55 em).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let max = width / MM_PER_PT;
    let mut lines = Vec::new();
    let (mut cur, mut w) = (String::new(), 0.0);
    for ch in text.chars() {
        if ch == '\n' {
            lines.push(std::mem::take(&mut cur));
            w = 0.0;
            continue;
        }
        let cw = if ch.is_ascii() { 0.55 } else { 1.0 } * size;
        if w + cw > max && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            w = 0.0;
        }
        cur.push(ch);
        w += cw;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

impl Pages {
    pub(crate) fn new(font: FontId) -> Pages {
        Pages { font, pages: vec![Vec::new()], y: TOP }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `h` mm still fit on this one.
    pub(crate) fn room(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    /// Writes `s` with its baseline at (`x`, `y`) mm.
    pub(crate) fn text_at(&mut self, size: f32, x: f32, y: f32, s: &str) {
        let font = self.font.clone();
        let ops = self.ops();
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: PdfFontHandle::External(font), size: Pt(size) });
        ops.push(Op::SetTextCursor { pos: Point::new(Mm(x), Mm(y)) });
        ops.push(Op::ShowText { items: vec![TextItem::Text(s.to_string())] });
        ops.push(Op::EndTextSection);
    }

    fn line_height(size: f32) -> f32 {
        size * MM_PER_PT * 1.45
    }

    /// A wrapped paragraph.
    pub(crate) fn para(&mut self, size: f32, text: &str) {
        for line in wrap(text, size, WIDTH) {
            let h = Pages::line_height(size);
            self.room(h);
            self.y -= h;
            self.text_at(size, LEFT, self.y, &line);
        }
    }

    pub(crate) fn heading(&mut self, text: &str) {
        self.room(Pages::line_height(13.0) * 3.0);
        self.y -= 3.0;
        self.para(13.0, text);
        self.y -= 1.0;
    }

    /// A table row: each cell (its width in mm, its text) wrapped in its
    /// column; the row is as tall as its tallest cell.
    pub(crate) fn row(&mut self, cells: &[(f32, String)], size: f32) {
        let wrapped: Vec<Vec<String>> = cells.iter().map(|(w, t)| wrap(t, size, w - 2.0)).collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let h = Pages::line_height(size);
        self.room(h * n as f32 + 1.0);
        let top = self.y;
        let mut x = LEFT;
        for ((w, _), lines) in cells.iter().zip(&wrapped) {
            for (i, line) in lines.iter().enumerate() {
                self.text_at(size, x, top - h * (i as f32 + 1.0), line);
            }
            x += w;
        }
        self.y = top - h * n as f32 - 1.0;
    }

    pub(crate) fn table(&mut self, widths: &[f32], header: &[&str], rows: Vec<Vec<String>>) {
        let cells = |texts: Vec<String>| widths.iter().copied().zip(texts).collect::<Vec<_>>();
        self.row(&cells(header.iter().map(|s| format!("【{s}】")).collect()), BODY - 1.0);
        for r in rows {
            self.row(&cells(r), BODY - 1.0);
        }
    }

    /// A photo scaled to at most 80 × 60 mm, with its caption.
    pub(crate) fn photo(&mut self, doc: &mut PdfDocument, data: &[u8], caption: &str) {
        let mut warnings = Vec::new();
        let Ok(img) = RawImage::decode_from_bytes(data, &mut warnings) else {
            self.para(BODY, &format!("（照片无法显示）{caption}"));
            return;
        };
        let (w_px, h_px) = (img.width as f32, img.height as f32);
        let dpi = (w_px / (80.0 / 25.4)).max(h_px / (60.0 / 25.4)).max(1.0);
        let h_mm = h_px / dpi * 25.4;
        self.room(h_mm + Pages::line_height(BODY) * 2.0);
        self.y -= h_mm;
        let id = doc.add_image(&img);
        let y = self.y;
        self.ops().push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Mm(LEFT).into_pt()),
                translate_y: Some(Mm(y).into_pt()),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
        self.para(BODY - 1.0, caption);
        self.y -= 2.0;
    }
}

/// A document titled `title` with `font` (a TrueType file or the first
/// face of a collection) embedded whole, with its Unicode map, so the text
/// can be searched and copied.
pub(crate) fn document(title: &str, font: &std::path::Path) -> anyhow::Result<(PdfDocument, Pages)> {
    let bytes = std::fs::read(font).map_err(|e| anyhow::anyhow!("font {}: {e}", font.display()))?;
    let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
        .ok_or_else(|| anyhow::anyhow!("font {} cannot be read", font.display()))?;
    let mut doc = PdfDocument::new(title);
    let font_id = doc.add_font(&parsed);
    Ok((doc, Pages::new(font_id)))
}

impl Pages {
    /// The pages, numbered at the foot, as PDF bytes.
    pub(crate) fn finish(self, mut doc: PdfDocument) -> Vec<u8> {
        let total = self.pages.len();
        let font_id = self.font.clone();
        let pages: Vec<PdfPage> = self
            .pages
            .into_iter()
            .enumerate()
            .map(|(i, mut ops)| {
                let footer = format!("第 {} 页　共 {total} 页", i + 1);
                ops.push(Op::StartTextSection);
                ops.push(Op::SetFont { font: PdfFontHandle::External(font_id.clone()), size: Pt(8.0) });
                ops.push(Op::SetTextCursor { pos: Point::new(Mm(PAGE_W / 2.0 - 12.0), Mm(12.0)) });
                ops.push(Op::ShowText { items: vec![TextItem::Text(footer)] });
                ops.push(Op::EndTextSection);
                PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)
            })
            .collect();
        let mut warnings = Vec::new();
        doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn lines_are_wrapped_to_the_width_and_keep_every_character() {
        let text = "界桩编号 33020512001Q 桩体断裂，需要更换。".repeat(5);
        let lines = wrap(&text, 10.0, 40.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), text);
        let em = 10.0 * super::MM_PER_PT;
        for l in &lines {
            let w: f32 = l.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 } * em).sum();
            assert!(w <= 40.0 + 1e-3, "{l}: {w} mm");
        }
    }
}
