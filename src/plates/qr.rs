//! QR codes of public links (a sign's, a certificate's), as SVG and PNG.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text`, medium error correction (a sign outdoors gets
/// dirty).
fn code(text: &str) -> anyhow::Result<QrCode> {
    Ok(QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?)
}

/// The QR code of `text` as an SVG document, `px` pixels square at least.
pub fn svg(text: &str, px: u32) -> anyhow::Result<String> {
    Ok(code(text)?.render::<svg::Color>().min_dimensions(px, px).quiet_zone(true).build())
}

/// The QR code of `text` as a PNG, `px` pixels square at least.
pub fn png(text: &str, px: u32) -> anyhow::Result<Vec<u8>> {
    let img = code(text)?.render::<image::Luma<u8>>().min_dimensions(px, px).quiet_zone(true).build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_renders_as_svg_and_png() {
        let url = "http://localhost:8080/p/330203001009000001";
        let s = super::svg(url, 200).expect("svg");
        assert!(s.starts_with("<?xml") && s.contains("<svg"), "{s}");
        let p = super::png(url, 200).expect("png");
        assert_eq!(&p[1..4], b"PNG");
        assert!(super::svg(&"x".repeat(5000), 200).is_err(), "too long for a QR code");
    }
}
