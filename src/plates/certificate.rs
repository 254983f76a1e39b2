//! The certificate of a standard address (门牌证明): the address, its code,
//! its parts and division, with a QR code of its public page, as HTML and
//! as PDF.

use crate::pdf::{BODY, document};
use maud::{DOCTYPE, PreEscaped, html};

/// What a certificate states.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// 18-digit address code.
    pub code: String,
    /// The standard address.
    pub standard_address: String,
    /// What the address is (道路门牌, 楼幢, 户室, 农村门牌).
    pub kind: &'static str,
    /// The division chain (浙江省宁波市海曙区南门街道…).
    pub division: String,
    /// The road, compound or village.
    pub street: String,
    /// Its pinyin, when the place has one.
    pub street_pinyin: Option<String>,
    /// The number, building, unit and room.
    pub number: String,
    /// 现行, or how it ended.
    pub status: String,
    /// Longitude, latitude (CGCS2000).
    pub lon_lat: (f64, f64),
    /// How it was issued (an application, an import …).
    pub source: String,
    /// The public page the QR code opens.
    pub url: String,
    /// The day the certificate is issued.
    pub date: String,
}

impl Certificate {
    /// The rows of the certificate's table.
    fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("标准地址", self.standard_address.clone()),
            ("地址编码", self.code.clone()),
            ("地址类别", self.kind.to_string()),
            ("所在区划", self.division.clone()),
            ("道路（小区、村）", self.street.clone()),
        ];
        if let Some(p) = &self.street_pinyin {
            rows.push(("汉语拼音", p.clone()));
        }
        rows.extend([
            ("门（楼）牌号", self.number.clone()),
            ("地址状态", self.status.clone()),
            ("坐标（CGCS2000）", format!("{:.6}, {:.6}", self.lon_lat.0, self.lon_lat.1)),
            ("编制依据", self.source.clone()),
        ]);
        rows
    }

    /// The statement under the table.
    fn statement(&self) -> String {
        format!(
            "兹证明“{}”为依法编制的标准地址，地址编码 {}。扫描二维码可查验本地址。",
            self.standard_address, self.code
        )
    }
}

const CSS: &str = "body{font-family:'WenQuanYi Micro Hei',sans-serif;max-width:760px;margin:2em auto;padding:0 1em;color:#222}\
h1{text-align:center;letter-spacing:.5em}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.4em .6em;text-align:left}th{width:11em;background:#f3f3f3}\
.qr{text-align:center;margin:1.5em 0}.qr svg{width:180px;height:180px}.date{text-align:right}";

/// The certificate as an HTML page, with the QR code inline (`qr_svg`).
pub fn html(c: &Certificate, qr_svg: &str) -> String {
    let svg = qr_svg.trim_start_matches(|ch| ch != '>').trim_start_matches('>');
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "门牌证明 " (c.code) }
                style { (CSS) }
            }
            body {
                h1 { "门牌证明" }
                table {
                    @for (k, v) in c.rows() { tr { th { (k) } td { (v) } } }
                }
                p { (c.statement()) }
                div.qr { (PreEscaped(svg)) br; a href=(c.url) { (c.url) } }
                p.date { "出具日期：" (c.date) }
            }
        }
    }
    .into_string()
}

/// The certificate as PDF bytes set in `font`, with the QR code (`qr_png`).
pub fn pdf(c: &Certificate, qr_png: &[u8], font: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let (mut doc, mut p) = document(&format!("门牌证明 {}", c.code), font)?;
    p.para(18.0, "门　牌　证　明");
    p.y -= 4.0;
    let rows = c.rows().into_iter().map(|(k, v)| vec![k.to_string(), v]).collect();
    p.table(&[45.0, 125.0], &["项目", "内容"], rows);
    p.y -= 3.0;
    p.para(BODY, &c.statement());
    p.y -= 3.0;
    p.photo(&mut doc, qr_png, &format!("查验：{}", c.url));
    p.para(BODY, &format!("出具日期：{}", c.date));
    Ok(p.finish(doc))
}
