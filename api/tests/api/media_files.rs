//! Media test kit: files built in code (PNG, JPEG with GPS EXIF, a
//! decompression bomb, HTML), the real audio fixtures of `jeco-media`, and
//! the two-step upload (`createUpload`, then `PUT`).

use serde_json::{json, Value};

use crate::helpers::TestApp;

/// A `w`×`h` opaque PNG (a gradient, so thumbnails have content).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A `w`×`h` JPEG.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, 90, (y % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// The text planted in the GPS EXIF of [`jpeg_with_gps`].
pub const GPS_MARK: &[u8] = b"GPSSECRET-48.8584N";

/// A JPEG with an APP1 EXIF segment: orientation 6 (rotate 90°) and a GPS IFD
/// whose latitude reference and a text tag carry [`GPS_MARK`].
pub fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let base = jpeg(w, h);
    // Little-endian TIFF: IFD0 { Orientation=6, GPSInfo -> IFD at 38 }, GPS IFD { tag 0x001B (processing method) = mark }.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes()); // IFD0: 2 entries
    tiff.extend([0x12, 0x01, 3, 0]); // Orientation, SHORT
    tiff.extend(1u32.to_le_bytes());
    tiff.extend([6, 0, 0, 0]);
    tiff.extend([0x25, 0x88, 4, 0]); // GPSInfo, LONG
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    assert_eq!(tiff.len(), 38);
    tiff.extend(1u16.to_le_bytes()); // GPS IFD: 1 entry
    tiff.extend([0x1B, 0x00, 7, 0]); // GPSProcessingMethod, UNDEFINED
    tiff.extend((GPS_MARK.len() as u32).to_le_bytes());
    tiff.extend(56u32.to_le_bytes()); // value offset
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len(), 56);
    tiff.extend(GPS_MARK);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = base[..2].to_vec(); // SOI
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&base[2..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A few-KB PNG whose header claims 60000×60000 pixels (3.6 GP, 10.8 GB of
/// RGB once decoded): a decompression bomb.
pub fn bomb_png() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of zeros: a stored block header is enough to look real.
    let mut idat = vec![0x78, 0x9C];
    idat.extend(vec![0u8; 4000]);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A real 2.5 s Ogg/Opus file.
pub fn opus_ogg() -> Vec<u8> {
    include_bytes!("../../../media/tests/fixtures/opus.ogg").to_vec()
}

/// An HTML page.
pub fn html() -> Vec<u8> {
    b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>".to_vec()
}

const CREATE_UPLOAD: &str = "mutation($i: CreateUploadInput!){ createUpload(input:$i){ uploadUrl attachment{ id kind filename byteSize } userErrors{ field code message } } }";

/// `createUpload`; returns its payload.
pub async fn create_upload(app: &TestApp, token: &str, input: Value) -> Value {
    let r = app.gql(Some(token), CREATE_UPLOAD, json!({ "i": input })).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["createUpload"].clone()
}

/// `PUT`s bytes to an upload URL; returns the status and JSON body.
pub async fn put(app: &TestApp, upload_url: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = app.http.put(app.url(upload_url)).body(bytes).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Uploads a file as an attachment to `conversation`; returns the PUT's status and body.
pub async fn upload(
    app: &TestApp,
    token: &str,
    conversation: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let created = create_upload(
        app,
        token,
        json!({ "purpose": "ATTACHMENT", "conversationId": conversation, "filename": name, "byteSize": bytes.len() }),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    put(app, created["uploadUrl"].as_str().unwrap(), bytes).await
}

/// Uploads and asserts success; returns the attachment id.
pub async fn uploaded(app: &TestApp, token: &str, conversation: &str, name: &str, bytes: Vec<u8>) -> String {
    let (status, body) = upload(app, token, conversation, name, bytes).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// The fields of attachments selected by the tests.
pub const ATTACHMENT_FIELDS: &str =
    "id kind filename contentType byteSize url thumbnailUrl width height placeholder durationMs voice waveform";

/// Sends a message with attachments; returns the sendMessage payload.
pub async fn send_with(
    app: &TestApp,
    token: &str,
    room: &str,
    body: &str,
    client_id: &str,
    ids: &[&str],
) -> Value {
    let q = format!(
        "mutation($i: SendMessageInput!){{ sendMessage(input:$i){{ message{{ id body attachments{{ {ATTACHMENT_FIELDS} }} }} userErrors{{ field code message }} }} }}"
    );
    let r = app
        .gql(
            Some(token),
            &q,
            json!({ "i": { "conversationId": room, "body": body, "clientId": client_id, "attachmentIds": ids } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["sendMessage"].clone()
}

/// GETs a media URL (optionally with a bearer token); returns status, headers and bytes.
pub async fn fetch(
    app: &TestApp,
    url: &str,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.http.get(app.url(url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Files under the server's media directory (storage objects).
pub fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum()
            })
            .unwrap_or(0)
    }
    walk(&app.data_dir.join("media"))
}
