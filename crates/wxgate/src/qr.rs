//! `wxgate qr create ACCOUNT --scene S [--expire 30d | --permanent] [--png FILE] [--json]`:
//! creates a parametric QR code through the account's shared credentials, prints its ticket,
//! the URL it encodes, the image URL and its expiry, and can render it as a PNG locally.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use wxgate_api::endpoint::qrcode::create::{self, MAX_EXPIRE_SECONDS, Scene};
use wxgate_api::endpoint::showqrcode;

use crate::account::AccountArgs;

/// `wxgate qr ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum QrCommand {
    /// Create a parametric QR code (temporary by default, 30 days).
    Create {
        #[command(flatten)]
        account: AccountArgs,
        /// The scene: a number (1..=4294967295, permanent codes 1..=100000) is an id scene,
        /// anything else a string scene (1–64 bytes).
        #[arg(long)]
        scene: String,
        /// How long a temporary code lives: `30d`, `12h`, `10m`, `600s` or `600` (seconds);
        /// at most 30 days.
        #[arg(long, value_parser = parse_expire, default_value = "30d", value_name = "DURATION")]
        expire: u64,
        /// Create a permanent code instead (limited per account).
        #[arg(long, conflicts_with = "expire")]
        permanent: bool,
        /// Write a PNG of the QR code (it encodes WeChat's `url`) to this file.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn run(command: QrCommand) -> anyhow::Result<ExitCode> {
    match command {
        QrCommand::Create {
            account,
            scene,
            expire,
            permanent,
            png,
            json,
        } => {
            let scene = Scene::parse(&scene);
            let request = if permanent {
                create::Request::permanent(scene)
            } else {
                create::Request::temporary(scene, expire)
            };
            let request = match request {
                Ok(request) => request,
                Err(invalid) => {
                    eprintln!("error: {invalid}");
                    return Ok(ExitCode::from(2));
                }
            };
            let account = account.open().await?;
            let credentials = &account.credentials;
            let created = credentials.call(&request).await.context("qrcode/create")?;
            if let Some(path) = &png {
                write_png(path, &created.url)?;
            }
            let image_base = match credentials.client().base_url() {
                base if base == wxgate_api::DEFAULT_BASE_URL => showqrcode::BASE_URL,
                sandbox => sandbox,
            };
            let image_url = showqrcode::url(image_base, &created.ticket);
            if json {
                let out = serde_json::json!({
                    "ticket": created.ticket,
                    "url": created.url,
                    "image_url": image_url,
                    "action_name": request.action_name(),
                    "scene": request.scene().to_string(),
                    "expire_seconds": created.expire_seconds,
                    "png": png.as_ref().map(|p| p.display().to_string()),
                });
                println!("{out}");
            } else {
                println!("ticket:  {}", created.ticket);
                println!("url:     {}", created.url);
                println!("image:   {image_url}");
                println!(
                    "kind:    {} (scene {})",
                    request.action_name(),
                    request.scene()
                );
                match created.expire_seconds {
                    Some(seconds) => println!("expires: in {} ({seconds} s)", human(seconds)),
                    None => println!("expires: never (permanent)"),
                }
                if let Some(path) = &png {
                    println!("png:     {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `30d`, `12h`, `10m`, `600s` or `600` as seconds, 1 to 30 days.
fn parse_expire(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], &text[at..]),
        _ => (text, "s"),
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "unknown unit {unit:?}: use d, h, m or s (e.g. 30d, 12h, 600)"
            ));
        }
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30d, 12h, 10m, 600s or 600"))?;
    let seconds = value.saturating_mul(factor);
    if seconds == 0 || seconds > u64::from(MAX_EXPIRE_SECONDS) {
        return Err(format!(
            "{text} is out of range: a temporary QR code lives 1 s to 30d ({MAX_EXPIRE_SECONDS} s)"
        ));
    }
    Ok(seconds)
}

/// Seconds as the largest whole unit: `30d`, `12h`, `90s`.
fn human(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Writes a grayscale PNG of a QR code encoding `text`.
fn write_png(path: &Path, text: &str) -> anyhow::Result<()> {
    let bytes = render_png(text)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// A QR code of `text` as a grayscale PNG: 8 pixels per module and a 4-module quiet zone.
fn render_png(text: &str) -> anyhow::Result<Vec<u8>> {
    const MODULE_PX: usize = 8;
    const QUIET_ZONE: usize = 4;
    let code = qrcode::QrCode::new(text.as_bytes()).context("the URL does not fit a QR code")?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    let mut pixels = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
            let inside = (QUIET_ZONE..QUIET_ZONE + modules).contains(&mx)
                && (QUIET_ZONE..QUIET_ZONE + modules).contains(&my);
            let dark = inside
                && colors.get((my - QUIET_ZONE) * modules + (mx - QUIET_ZONE))
                    == Some(&qrcode::Color::Dark);
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    let side = u32::try_from(side).context("QR image too large")?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("PNG header")?;
    writer.write_image_data(&pixels).context("PNG data")?;
    writer.finish().context("PNG end")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_forms() {
        assert_eq!(parse_expire("30d"), Ok(2_592_000));
        assert_eq!(parse_expire("12h"), Ok(43_200));
        assert_eq!(parse_expire("10m"), Ok(600));
        assert_eq!(parse_expire("600s"), Ok(600));
        assert_eq!(parse_expire("600"), Ok(600));
        assert!(parse_expire("31d").unwrap_err().contains("30d"));
        assert!(parse_expire("0").is_err());
        assert!(parse_expire("2592001").is_err());
        assert!(parse_expire("12w").unwrap_err().contains("unit"));
        assert!(parse_expire("d").is_err());
        assert!(parse_expire("-5s").is_err());
        assert!(parse_expire("99999999999999999999d").is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(2_592_000), "30d");
        assert_eq!(human(43_200), "12h");
        assert_eq!(human(600), "10m");
        assert_eq!(human(61), "61s");
    }

    #[test]
    fn pngs_have_a_quiet_zone() {
        let png = render_png("http://weixin.qq.com/q/abc").unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(frame.width, frame.height);
        // The top-left 32×32 pixels are white, the finder pattern starts right after.
        assert!(pixels[..32].iter().all(|p| *p == 255));
        let row = frame.width as usize * 32;
        assert_eq!(pixels[row + 32], 0);
    }
}
