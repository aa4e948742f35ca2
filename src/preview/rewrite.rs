//! Manifest rewriting: every URI in an HLS playlist or a DASH MPD is resolved against the
//! manifest's own URL and replaced by what the caller maps it to; every other byte stays as read.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use url::Url;

/// What a URI points at, so a caller can route playlists and media differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriRole {
    /// A variant, rendition (`EXT-X-MEDIA`) or I-frame playlist.
    Playlist,
    /// A media segment (HLS URI line, DASH `SegmentURL@media`, a `SegmentTemplate@media`).
    Segment,
    /// An initialization section (`EXT-X-MAP`, DASH `Initialization`, `SegmentTemplate@initialization`).
    Init,
    /// A decryption key (`EXT-X-KEY`, `EXT-X-SESSION-KEY`).
    Key,
    /// A segment index (`RepresentationIndex`, `@index`).
    Index,
    /// A DASH `BaseURL` (or `Location`): other URIs below it resolve against it.
    Base,
    /// Any other `URI=` attribute (`EXT-X-SESSION-DATA`, LL-HLS parts and hints, …).
    Other,
}

/// One URI found in a manifest, resolved against the manifest's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUri<'a> {
    /// The URI as written in the manifest (unescaped, for XML).
    pub original: &'a str,
    /// `original` resolved against the manifest URL (and enclosing DASH `BaseURL`s). DASH template
    /// identifiers such as `$Number%05d$` are kept verbatim.
    pub resolved: String,
    /// What the URI points at.
    pub role: UriRole,
    /// Whether `original` is a DASH `SegmentTemplate` with `$…$` identifiers left to the player.
    pub template: bool,
}

/// Why a manifest could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The MPD is not well-formed XML.
    #[error("MPD is not well-formed XML at byte {position}: {reason}")]
    Xml { position: u64, reason: String },
}

/// Rewrites an HLS playlist (master or media) located at `manifest_url`. URI lines and `URI="…"`
/// attributes of every tag are replaced by `map`; all other bytes, line endings included, are
/// copied unchanged.
pub fn rewrite_hls(
    playlist: &str,
    manifest_url: &Url,
    map: impl Fn(&ResolvedUri) -> String,
) -> String {
    let mut out = String::with_capacity(playlist.len() + playlist.len() / 2);
    let mut after_stream_inf = false;
    for line in playlist.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let eol = &line[content.len()..];
        let trimmed = content.trim();
        if trimmed.is_empty() {
            out.push_str(line);
        } else if let Some(tag) = trimmed.strip_prefix('#') {
            if tag.starts_with("EXT-X-STREAM-INF") {
                after_stream_inf = true;
            }
            out.push_str(&rewrite_uri_attribute(content, manifest_url, &map));
            out.push_str(eol);
        } else {
            let role = if std::mem::take(&mut after_stream_inf) {
                UriRole::Playlist
            } else {
                UriRole::Segment
            };
            let start = content.len() - content.trim_start().len();
            out.push_str(&content[..start]);
            out.push_str(&map(&resolve(manifest_url, trimmed, role, false)));
            out.push_str(&content[start + trimmed.len()..]);
            out.push_str(eol);
        }
    }
    out
}

/// The tag line with its `URI` attribute (if any) mapped. Attribute lists are parsed as RFC 8216
/// §4.2 defines them, since a quoted value may hold commas and `SERVER-URI` is not `URI`.
fn rewrite_uri_attribute(line: &str, base: &Url, map: &impl Fn(&ResolvedUri) -> String) -> String {
    let Some(colon) = line.find(':') else {
        return line.to_owned();
    };
    let role = match line[..colon].trim_start().trim_start_matches('#') {
        "EXT-X-MAP" => UriRole::Init,
        "EXT-X-KEY" | "EXT-X-SESSION-KEY" => UriRole::Key,
        "EXT-X-MEDIA" | "EXT-X-I-FRAME-STREAM-INF" | "EXT-X-RENDITION-REPORT" => UriRole::Playlist,
        "EXT-X-PART" => UriRole::Segment,
        // Its value is a duration and a free-text title, not an attribute list.
        "EXTINF" => return line.to_owned(),
        _ => UriRole::Other,
    };
    let bytes = line.as_bytes();
    let mut i = colon + 1;
    while i < bytes.len() {
        let name_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b',' {
            i += 1;
        }
        let name = line[name_start..i].trim();
        if i >= bytes.len() || bytes[i] == b',' {
            i += 1;
            continue;
        }
        i += 1; // '='
        if bytes.get(i) == Some(&b'"') {
            let value_start = i + 1;
            let Some(len) = line[value_start..].find('"') else {
                return line.to_owned();
            };
            let value_end = value_start + len;
            if name == "URI" {
                let value = &line[value_start..value_end];
                let mapped = map(&resolve(base, value, role, false));
                return format!("{}{mapped}{}", &line[..value_start], &line[value_end..]);
            }
            i = value_end + 1;
        } else {
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
        }
        i += 1; // ','
    }
    line.to_owned()
}

/// Resolves `reference` against `base`. For DASH templates the `$…$` identifiers are swapped for
/// placeholders first: URL parsing would otherwise read `%05d` as a percent escape.
fn resolve<'a>(base: &Url, reference: &'a str, role: UriRole, template: bool) -> ResolvedUri<'a> {
    let mut identifiers = Vec::new();
    let protected = if template {
        let mut s = String::with_capacity(reference.len());
        let mut rest = reference;
        while let Some(start) = rest.find('$') {
            let Some(len) = rest[start + 1..].find('$') else {
                break;
            };
            s.push_str(&rest[..start]);
            s.push_str(&format!("vodstudio-template-{}-", identifiers.len()));
            identifiers.push(&rest[start..start + len + 2]);
            rest = &rest[start + len + 2..];
        }
        s.push_str(rest);
        Cow::Owned(s)
    } else {
        Cow::Borrowed(reference)
    };
    let mut resolved = base
        .join(&protected)
        .map_or_else(|_| reference.to_owned(), String::from);
    for (n, id) in identifiers.iter().enumerate() {
        resolved = resolved.replacen(&format!("vodstudio-template-{n}-"), id, 1);
    }
    ResolvedUri {
        original: reference,
        resolved,
        role,
        template: !identifiers.is_empty(),
    }
}

/// Rewrites a DASH MPD located at `manifest_url`: `BaseURL` and `Location` text,
/// `SegmentTemplate@media/@initialization/@index/@bitstreamSwitching`, `SegmentURL@media/@index`,
/// and `@sourceURL` of `Initialization`, `RepresentationIndex` and `BitstreamSwitching`. Every
/// other event is written back as read, so unknown elements and attributes survive.
///
/// URIs resolve against the nearest enclosing `BaseURL` seen so far. A `SegmentTemplate` inherited
/// from an `AdaptationSet` by a `Representation` with its own relative `BaseURL` is resolved
/// against the `AdaptationSet`'s base (a streaming pass cannot see the children yet).
pub fn rewrite_dash(
    mpd: &str,
    manifest_url: &Url,
    map: impl Fn(&ResolvedUri) -> String,
) -> Result<String, RewriteError> {
    let mut reader = Reader::from_str(mpd);
    let mut writer = Writer::new(Vec::with_capacity(mpd.len() + mpd.len() / 2));
    let xml_err = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| RewriteError::Xml {
        position: reader.buffer_position(),
        reason: e.to_string(),
    };
    // (depth of the element that owns the base, base URL).
    let mut bases: Vec<(usize, Url)> = Vec::new();
    let mut depth = 0usize;
    // Raw (escaped) text of the `BaseURL`/`Location` element being read.
    let mut url_text: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_err(&reader, &e))?;
        let base = bases.last().map_or(manifest_url, |(_, u)| u).clone();
        let event = match event {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                if matches!(e.local_name().as_ref(), "BaseURL" | "Location") {
                    url_text = Some(String::new());
                }
                Event::Start(rewrite_attributes(e, &base, &map).map_err(|e| xml_err(&reader, &e))?)
            }
            Event::Empty(e) => {
                Event::Empty(rewrite_attributes(e, &base, &map).map_err(|e| xml_err(&reader, &e))?)
            }
            Event::Text(t) if url_text.is_some() => {
                url_text.get_or_insert_default().push_str(&t);
                continue;
            }
            Event::GeneralRef(r) if url_text.is_some() => {
                url_text
                    .get_or_insert_default()
                    .push_str(&format!("&{};", &*r));
                continue;
            }
            Event::End(e) => {
                if let Some(raw) = url_text.take() {
                    let text =
                        quick_xml::escape::unescape(&raw).map_err(|err| xml_err(&reader, &err))?;
                    let trimmed = text.trim();
                    let lead = &text[..text.len() - text.trim_start().len()];
                    let trail = &text[lead.len() + trimmed.len()..];
                    let uri = resolve(&base, trimmed, UriRole::Base, false);
                    let mapped = format!("{lead}{}{trail}", map(&uri));
                    writer
                        .write_event(Event::Text(BytesText::new(&mapped)))
                        .map_err(|err| xml_err(&reader, &err))?;
                    let owner = depth.saturating_sub(1);
                    let first = bases.last().is_none_or(|(d, _)| *d != owner);
                    if e.local_name().as_ref() == "BaseURL" && first {
                        if let Ok(url) = Url::parse(&uri.resolved) {
                            bases.push((owner, url));
                        }
                    }
                } else {
                    bases.retain(|(d, _)| *d < depth);
                }
                depth = depth.saturating_sub(1);
                Event::End(e)
            }
            other => other,
        };
        writer
            .write_event(event)
            .map_err(|e| xml_err(&reader, &e))?;
    }
    String::from_utf8(writer.into_inner()).map_err(|e| RewriteError::Xml {
        position: 0,
        reason: e.to_string(),
    })
}

/// Which attributes of element `local` hold URIs, with their role and whether they are templates.
fn uri_attributes(local: &str) -> &'static [(&'static str, UriRole, bool)] {
    match local {
        "SegmentTemplate" => &[
            ("media", UriRole::Segment, true),
            ("initialization", UriRole::Init, true),
            ("index", UriRole::Index, true),
            ("bitstreamSwitching", UriRole::Init, true),
        ],
        "SegmentURL" => &[
            ("media", UriRole::Segment, false),
            ("index", UriRole::Index, false),
        ],
        "Initialization" | "BitstreamSwitching" => &[("sourceURL", UriRole::Init, false)],
        "RepresentationIndex" => &[("sourceURL", UriRole::Index, false)],
        _ => &[],
    }
}

/// The element with its URI attributes mapped. Values are spliced into the element's raw text so
/// that attribute order, quoting and spacing stay exactly as read.
fn rewrite_attributes<'a>(
    e: BytesStart<'a>,
    base: &Url,
    map: &impl Fn(&ResolvedUri) -> String,
) -> Result<BytesStart<'a>, quick_xml::Error> {
    let targets = uri_attributes(e.local_name().as_ref());
    if targets.is_empty() {
        return Ok(e);
    }
    let raw: &str = &e;
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(quick_xml::Error::InvalidAttr)?;
        let Some((_, role, template)) = targets
            .iter()
            .find(|(name, _, _)| attr.key.local_name().as_ref() == *name)
        else {
            continue;
        };
        // The raw value borrows from the element's buffer; its offset locates the splice.
        let Cow::Borrowed(value_raw) = &attr.value else {
            continue;
        };
        let start = value_raw.as_ptr() as usize - raw.as_ptr() as usize;
        let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)?;
        let mapped = map(&resolve(base, &value, *role, *template));
        splices.push((
            start,
            start + value_raw.len(),
            quick_xml::escape::escape(mapped).into_owned(),
        ));
    }
    if splices.is_empty() {
        return Ok(e);
    }
    let name_len = e.name().as_ref().len();
    let mut content = String::with_capacity(raw.len() + 64);
    let mut at = 0;
    for (start, end, value) in splices {
        content.push_str(&raw[at..start]);
        content.push_str(&value);
        at = end;
    }
    content.push_str(&raw[at..]);
    Ok(BytesStart::from_content(content, name_len))
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;
