//! WebVTT cues and the caption renditions built from them: segmented WebVTT with its media
//! playlist, the subtitles group in the HLS master playlist, and the text AdaptationSet in the
//! DASH manifest.
//!
//! Segmenting is done here rather than by ffmpeg's hls muxer: that muxer ties a subtitle stream
//! to one variant (a ladder would need one copy of the captions per rung), while MediaConvert
//! writes one subtitles rendition that every variant refers to.

use std::fmt::Write as _;
use std::path::Path;

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use super::error::EngineError;
use super::model::{GroupKind, GroupPlan};

/// `GROUP-ID` of the subtitles renditions in HLS master playlists.
pub(crate) const HLS_SUBTITLES_GROUP: &str = "subs";
/// The MPEG-TS clock that `X-TIMESTAMP-MAP` is expressed in.
const MPEG_TS_HZ: f64 = 90_000.0;

/// One cue: times in seconds, the settings after the end time, and its text lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cue {
    pub start_s: f64,
    pub end_s: f64,
    pub settings: String,
    pub text: String,
}

/// A caption rendition to list in a manifest.
pub(crate) struct Track {
    /// `<base><NameModifier>`: names its files.
    pub stem: String,
    pub language: Option<String>,
    /// What players show.
    pub name: String,
}

/// The cues of a WebVTT document (as ffmpeg writes it: blank-line separated blocks, an optional
/// identifier line, `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]`, then text). Blocks that are
/// not cues (header, NOTE, STYLE) are skipped.
pub(crate) fn parse(text: &str) -> Vec<Cue> {
    let text = text.replace("\r\n", "\n");
    let mut cues = Vec::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines().skip_while(|l| !l.contains("-->"));
        let Some(timing) = lines.next() else { continue };
        let Some((start, rest)) = timing.split_once("-->") else {
            continue;
        };
        let rest = rest.trim();
        let (end, settings) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let (Some(start_s), Some(end_s)) = (timestamp(start.trim()), timestamp(end)) else {
            continue;
        };
        cues.push(Cue {
            start_s,
            end_s,
            settings: settings.trim().to_string(),
            text: lines.collect::<Vec<_>>().join("\n"),
        });
    }
    cues
}

/// `01:02:03.456` or `02:03.456` → seconds.
pub(crate) fn timestamp(s: &str) -> Option<f64> {
    let (hms, ms) = s.split_once('.')?;
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (h.parse::<u64>().ok()?, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return None,
    };
    let (m, sec, ms) = (
        m.parse::<u64>().ok()?,
        sec.parse::<u64>().ok()?,
        ms.parse::<u64>().ok()?,
    );
    Some((h * 3600 + m * 60 + sec) as f64 + ms as f64 / 1000.0)
}

/// Seconds → `hh:mm:ss.ttt`.
pub(crate) fn format_timestamp(s: f64) -> String {
    let ms = (s.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Writes `<stem>_00001.vtt`, … (one per segment of the group's length, covering
/// `duration_s`; a cue spanning a boundary is repeated in each segment it overlaps, as HLS
/// requires) and the media playlist `<stem>.m3u8`.
pub(crate) fn write_hls_rendition(
    group: &GroupPlan,
    stem: &str,
    cues: &[Cue],
    duration_s: f64,
) -> Result<(), EngineError> {
    let segment_s = group.kind.segment_length_s().unwrap_or(10.0).max(1.0);
    let last_cue_end = cues.iter().map(|c| c.end_s).fold(0.0, f64::max);
    let total_s = if duration_s > 0.0 {
        duration_s
    } else {
        last_cue_end
    };
    let count = ((total_s / segment_s).ceil() as usize).max(1);
    let mpegts = first_media_pts_90k(group);
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:1\n\
         #EXT-X-PLAYLIST-TYPE:VOD\n",
        segment_s.ceil() as u64
    );
    for k in 0..count {
        let start = k as f64 * segment_s;
        let last = k + 1 == count;
        let end = if last {
            f64::INFINITY
        } else {
            (k + 1) as f64 * segment_s
        };
        let mut body = format!("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n");
        for cue in cues.iter().filter(|c| c.start_s < end && c.end_s > start) {
            let _ = write!(
                body,
                "\n{} --> {}{}{}\n{}\n",
                format_timestamp(cue.start_s),
                format_timestamp(cue.end_s),
                if cue.settings.is_empty() { "" } else { " " },
                cue.settings,
                cue.text
            );
        }
        let name = format!("{stem}_{:05}.vtt", k + 1);
        write_file(&group.dir.join(&name), &body)?;
        let length = if last {
            (total_s - start).max(0.001)
        } else {
            segment_s
        };
        let _ = write!(playlist, "#EXTINF:{length:.3},\n{name}\n");
    }
    playlist.push_str("#EXT-X-ENDLIST\n");
    write_file(&group.dir.join(format!("{stem}.m3u8")), &playlist)
}

/// The first PTS of the group's first media segment on the 90 kHz clock, which the WebVTT
/// segments' `X-TIMESTAMP-MAP` ties cue time 0 to (ffmpeg's MPEG-TS muxer starts at 1.4 s, not 0).
fn first_media_pts_90k(group: &GroupPlan) -> u64 {
    let Some(output) = group.outputs.iter().find(|o| o.captions.is_none()) else {
        return 0;
    };
    let first = group
        .dir
        .join(format!("{}_{:05}.ts", group.output_stem(output), 1));
    crate::media::init();
    let Ok(ctx) = ffmpeg_next::format::input(&first) else {
        return 0;
    };
    // The earliest stream start (as the demuxer's own start time is).
    let start_s = ctx
        .streams()
        .filter(|s| s.start_time() != ffmpeg_next::ffi::AV_NOPTS_VALUE)
        .map(|s| s.start_time() as f64 * f64::from(s.time_base()))
        .fold(f64::INFINITY, f64::min);
    if !start_s.is_finite() || start_s < 0.0 {
        return 0;
    }
    (start_s * MPEG_TS_HZ).round() as u64
}

/// Adds one `#EXT-X-MEDIA:TYPE=SUBTITLES` per track to the master playlist and
/// `SUBTITLES="subs"` to every variant.
pub(crate) fn add_to_master(group: &GroupPlan, tracks: &[Track]) -> Result<(), EngineError> {
    let Some(path) = group.manifest_path() else {
        return Ok(());
    };
    let master = std::fs::read_to_string(&path).map_err(|e| EngineError::io(&path, &e))?;
    let mut media = String::new();
    for t in tracks {
        let _ = write!(
            media,
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"{HLS_SUBTITLES_GROUP}\",NAME=\"{}\"",
            t.name
        );
        if let Some(lang) = &t.language {
            let _ = write!(media, ",LANGUAGE=\"{lang}\"");
        }
        let _ = writeln!(
            media,
            ",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI=\"{}.m3u8\"",
            t.stem
        );
    }
    let mut out = String::with_capacity(master.len() + media.len() + 256);
    let mut inserted = false;
    for line in master.lines() {
        if line.starts_with("#EXT-X-STREAM-INF:") {
            if !inserted {
                out.push_str(&media);
                inserted = true;
            }
            let _ = writeln!(out, "{line},SUBTITLES=\"{HLS_SUBTITLES_GROUP}\"");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !inserted {
        out.push_str(&media);
    }
    write_file(&path, &out)
}

/// Adds one text AdaptationSet per track (its sidecar file as the Representation's `BaseURL`)
/// at the end of the manifest's Period.
pub(crate) fn add_to_mpd(group: &GroupPlan, tracks: &[Track]) -> Result<(), EngineError> {
    let Some(path) = group.manifest_path() else {
        return Ok(());
    };
    debug_assert!(matches!(group.kind, GroupKind::DashIsoGroup { .. }));
    let mpd = std::fs::read_to_string(&path).map_err(|e| EngineError::io(&path, &e))?;
    let xml_err = |detail: String| EngineError::Output {
        path: path.clone(),
        detail,
    };
    let mut reader = Reader::from_str(&mpd);
    let mut writer = Writer::new(Vec::with_capacity(mpd.len() + 512));
    loop {
        let event = reader.read_event().map_err(|e| xml_err(e.to_string()))?;
        match event {
            Event::Eof => break,
            Event::End(e) if e.local_name().as_ref() == "Period" => {
                for t in tracks {
                    write_adaptation_set(&mut writer, t).map_err(|e| xml_err(e.to_string()))?;
                }
                writer
                    .write_event(Event::End(e))
                    .map_err(|e| xml_err(e.to_string()))?;
            }
            other => writer
                .write_event(other)
                .map_err(|e| xml_err(e.to_string()))?,
        }
    }
    let out = String::from_utf8(writer.into_inner()).map_err(|e| xml_err(e.to_string()))?;
    write_file(&path, &out)
}

fn write_adaptation_set(w: &mut Writer<Vec<u8>>, t: &Track) -> std::io::Result<()> {
    let mut set = BytesStart::new("AdaptationSet");
    set.push_attribute(("contentType", "text"));
    set.push_attribute(("mimeType", "application/ttml+xml"));
    if let Some(lang) = &t.language {
        set.push_attribute(("lang", lang.as_str()));
    }
    set.push_attribute(("label", t.name.as_str()));
    w.write_event(Event::Start(set))?;
    let mut role = BytesStart::new("Role");
    role.push_attribute(("schemeIdUri", "urn:mpeg:dash:role:2011"));
    role.push_attribute(("value", "subtitle"));
    w.write_event(Event::Empty(role))?;
    let mut rep = BytesStart::new("Representation");
    let id = format!(
        "captions{}",
        t.language
            .as_deref()
            .map_or(String::new(), |l| format!("_{l}"))
    );
    rep.push_attribute(("id", id.as_str()));
    rep.push_attribute(("bandwidth", "256"));
    w.write_event(Event::Start(rep))?;
    w.write_event(Event::Start(BytesStart::new("BaseURL")))?;
    w.write_event(Event::Text(BytesText::new(&format!("{}.ttml", t.stem))))?;
    w.write_event(Event::End(BytesEnd::new("BaseURL")))?;
    w.write_event(Event::End(BytesEnd::new("Representation")))?;
    w.write_event(Event::End(BytesEnd::new("AdaptationSet")))?;
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), EngineError> {
    std::fs::write(path, text).map_err(|e| EngineError::io(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_parse_with_and_without_hours() {
        let cues = parse(
            "WEBVTT\n\nNOTE hi\n\n1\n00:00.500 --> 00:02.000\nHello\nthere\n\n\
             01:00:01.000 --> 01:00:02.250 line:90%\nLater\n",
        );
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_s, cues[0].end_s), (0.5, 2.0));
        assert_eq!(cues[0].text, "Hello\nthere");
        assert_eq!(cues[1].start_s, 3601.0);
        assert_eq!(cues[1].settings, "line:90%");
        assert_eq!(format_timestamp(3601.25), "01:00:01.250");
    }
}
