//! Rewriting real manifests: ffmpeg's HLS and DASH muxers at test time, and MediaConvert-shaped
//! samples written the way MediaConvert writes them.

use std::cell::RefCell;
use std::path::Path;
use std::process::Command;

use super::*;

/// Maps every URI to `R[<resolved>]` and records `(original, resolved)` in order.
struct Recorder(RefCell<Vec<(String, String)>>);

impl Recorder {
    fn new() -> Self {
        Self(RefCell::new(Vec::new()))
    }

    fn map(&self, u: &ResolvedUri) -> String {
        self.0
            .borrow_mut()
            .push((u.original.to_owned(), u.resolved.clone()));
        format!("R[{}]", u.resolved)
    }

    /// `rewritten` with each `R[…]` put back to the URI it replaced, in order.
    fn undo(&self, rewritten: &str, escape_xml: bool) -> String {
        let mut out = rewritten.to_owned();
        for (original, resolved) in self.0.borrow().iter() {
            let (original, resolved) = if escape_xml {
                (
                    quick_xml::escape::escape(original.as_str()).into_owned(),
                    quick_xml::escape::escape(resolved.as_str()).into_owned(),
                )
            } else {
                (original.clone(), resolved.clone())
            };
            let marked = format!("R[{resolved}]");
            assert!(out.contains(&marked), "{marked} in output");
            out = out.replacen(&marked, &original, 1);
        }
        out
    }
}

/// Every mention of a media file in `text` sits inside an `R[…]` marker.
fn assert_all_rewritten(text: &str, exts: &[&str]) {
    let outside: String = text
        .split("R[")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once(']').map_or(part, |(_, rest)| rest)
            }
        })
        .collect();
    for ext in exts {
        assert!(
            !outside.contains(ext),
            "a {ext} URI was not rewritten:\n{text}"
        );
    }
}

fn ffmpeg(dir: &Path, args: &[&str]) {
    let status = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=192x108:rate=25:duration=4")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=4"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-c:a",
            "aac",
        ])
        .args(args)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
}

fn base(path: &str) -> Url {
    Url::parse(&format!("s3://media/asset-1/{path}")).expect("url")
}

fn check_hls(text: &str, manifest: &str) -> usize {
    let rec = Recorder::new();
    let out = rewrite_hls(text, &base(manifest), |u| rec.map(u));
    assert_all_rewritten(&out, &[".ts", ".m3u8", ".m4s", ".mp4", ".key"]);
    assert_eq!(rec.undo(&out, false), text, "only URIs changed");
    let n = rec.0.borrow().len();
    for (_, resolved) in rec.0.borrow().iter() {
        assert!(
            resolved.starts_with("s3://media/asset-1/hls/") || !resolved.starts_with("s3://"),
            "{resolved}"
        );
    }
    n
}

#[test]
fn ffmpeg_hls_master_and_variants() {
    let dir = tempfile::tempdir().expect("tempdir");
    ffmpeg(
        dir.path(),
        &[
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-s:v:1",
            "96x54",
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_playlist_type",
            "vod",
            "-master_pl_name",
            "index.m3u8",
            "-var_stream_map",
            "v:0,a:0 v:1,a:1",
            "-hls_segment_filename",
            "index_%v_%03d.ts",
            "index_%v.m3u8",
        ],
    );
    let master = std::fs::read_to_string(dir.path().join("index.m3u8")).expect("master");
    assert_eq!(check_hls(&master, "hls/index.m3u8"), 2);
    let variant = std::fs::read_to_string(dir.path().join("index_0.m3u8")).expect("variant");
    assert!(check_hls(&variant, "hls/index_0.m3u8") >= 4);
}

#[test]
fn ffmpeg_hls_fmp4_has_its_map_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    ffmpeg(
        dir.path(),
        &[
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_playlist_type",
            "vod",
            "-hls_segment_type",
            "fmp4",
            "-hls_fmp4_init_filename",
            "init.mp4",
            "-hls_segment_filename",
            "seg_%03d.m4s",
            "media.m3u8",
        ],
    );
    let media = std::fs::read_to_string(dir.path().join("media.m3u8")).expect("playlist");
    assert!(media.contains("#EXT-X-MAP:URI=\"init.mp4\""));
    let rec = Recorder::new();
    let out = rewrite_hls(&media, &base("hls/media.m3u8"), |u| rec.map(u));
    assert!(out.contains("#EXT-X-MAP:URI=\"R[s3://media/asset-1/hls/init.mp4]\""));
    check_hls(&media, "hls/media.m3u8");
}

const MEDIACONVERT_MASTER: &str = "#EXTM3U\r\n#EXT-X-VERSION:4\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n\
#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"https://keys.example.com/k?id=1,2\",IV=0x1\r\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"program_audio\",LANGUAGE=\"eng\",NAME=\"English\",AUTOSELECT=YES,DEFAULT=YES,URI=\"trip_audio.m3u8\"\r\n\
#EXT-X-STREAM-INF:BANDWIDTH=2310000,AVERAGE-BANDWIDTH=2100000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"program_audio\"\r\n\
trip_720p.m3u8\r\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=180000,CODECS=\"avc1.64001f\",RESOLUTION=1280x720,URI=\"trip_720p_iframe.m3u8\"\r\n\
#EXT-X-STREAM-INF:BANDWIDTH=910000,CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=640x360,AUDIO=\"program_audio\"\r\n\
../other/trip_360p.m3u8\r\n\
#EXT-X-SESSION-DATA:DATA-ID=\"com.example.title\",VALUE=\"a,URI=b\"\r\n";

#[test]
fn mediaconvert_master_with_iframes_and_session_key() {
    let rec = Recorder::new();
    let out = rewrite_hls(MEDIACONVERT_MASTER, &base("hls/trip.m3u8"), |u| rec.map(u));
    assert_eq!(rec.undo(&out, false), MEDIACONVERT_MASTER);
    assert_all_rewritten(&out, &[".m3u8"]);
    let resolved: Vec<String> = rec.0.borrow().iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(
        resolved,
        [
            "https://keys.example.com/k?id=1,2",
            "s3://media/asset-1/hls/trip_audio.m3u8",
            "s3://media/asset-1/hls/trip_720p.m3u8",
            "s3://media/asset-1/hls/trip_720p_iframe.m3u8",
            "s3://media/asset-1/other/trip_360p.m3u8",
        ]
    );
    assert!(out.contains("#EXT-X-SESSION-DATA:DATA-ID=\"com.example.title\",VALUE=\"a,URI=b\"\r\n"));
}

#[test]
fn mediaconvert_iframe_playlist_with_byte_ranges() {
    let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-VERSION:4\n#EXT-X-MEDIA-SEQUENCE:1\n\
#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n\
#EXTINF:2.00200,URI=\"title, not a URI\"\n#EXT-X-BYTERANGE:17108@376\ntrip_720p_00001.ts\n\
#EXTINF:2.00200,\n#EXT-X-BYTERANGE:16356@1205748\n/asset-1/hls/trip_720p_00002.ts\n#EXT-X-ENDLIST\n";
    let rec = Recorder::new();
    let out = rewrite_hls(playlist, &base("hls/trip_720p_iframe.m3u8"), |u| rec.map(u));
    assert_eq!(rec.undo(&out, false), playlist);
    assert!(out.contains("URI=\"R[s3://media/asset-1/hls/key.bin]\""));
    assert!(out.contains("\nR[s3://media/asset-1/hls/trip_720p_00002.ts]\n"));
    assert!(out.contains("#EXTINF:2.00200,URI=\"title, not a URI\"\n"));
}

fn check_dash(mpd: &str, manifest: &str) -> Vec<(String, String)> {
    let rec = Recorder::new();
    let out = rewrite_dash(mpd, &base(manifest), |u| rec.map(u)).expect("rewrite");
    assert_all_rewritten(&out, &[".m4s", ".mp4", ".webm"]);
    assert_eq!(rec.undo(&out, true), mpd, "only URIs changed");
    rec.0.into_inner()
}

#[test]
fn ffmpeg_dash_segment_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    ffmpeg(
        dir.path(),
        &["-f", "dash", "-seg_duration", "1", "manifest.mpd"],
    );
    let mpd = std::fs::read_to_string(dir.path().join("manifest.mpd")).expect("mpd");
    assert!(mpd.contains("$RepresentationID$") && mpd.contains("$Number%05d$"));
    let uris = check_dash(&mpd, "dash/manifest.mpd");
    assert!(uris.iter().any(
        |(o, r)| o.starts_with("chunk-stream$RepresentationID$-$Number%05d$")
            && r.starts_with("s3://media/asset-1/dash/chunk-stream$RepresentationID$-$Number%05d$")
    ));
    assert!(uris
        .iter()
        .any(|(o, _)| o.starts_with("init-stream$RepresentationID$")));
}

#[test]
fn ffmpeg_dash_segment_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    ffmpeg(
        dir.path(),
        &[
            "-f",
            "dash",
            "-seg_duration",
            "1",
            "-use_template",
            "0",
            "-use_timeline",
            "0",
            "list.mpd",
        ],
    );
    let mpd = std::fs::read_to_string(dir.path().join("list.mpd")).expect("mpd");
    assert!(mpd.contains("<SegmentURL") && mpd.contains("<Initialization"));
    let uris = check_dash(&mpd, "dash/list.mpd");
    assert!(uris.len() >= 6, "{uris:?}");
}

const MEDIACONVERT_MPD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cenc="urn:mpeg:cenc:2013" xsi:schemaLocation="urn:mpeg:dash:schema:mpd:2011 http://standards.iso.org/ittf/PubliclyAvailableStandards/MPEG-DASH_schema_files/DASH-MPD.xsd" type="static" minBufferTime="PT12S" profiles="urn:mpeg:dash:profile:isoff-main:2011" mediaPresentationDuration="PT4.004S">
  <BaseURL>media/</BaseURL>
  <Period id="1" start="PT0S">
    <AdaptationSet segmentAlignment="true" mimeType="video/mp4" frameRate="30000/1001" startWithSAP="1" subsegmentAlignment="true">
      <!-- a comment naming trip_720p is not a URI -->
      <SegmentTemplate timescale="90000" media="trip_$RepresentationID$_$Number%09d$.mp4?a=1&amp;b=2" initialization="trip_$RepresentationID$init.mp4" duration="180180" startNumber="1"/>
      <Representation id="720p" width="1280" height="720" bandwidth="2310000" codecs="avc1.64001f" x-custom='kept'/>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4" lang="eng">
      <Representation id="audio" bandwidth="96000" codecs="mp4a.40.2">
        <BaseURL>audio/</BaseURL>
        <SegmentBase indexRange="830-913"><Initialization sourceURL="trip_audio.mp4" range="0-829"/><RepresentationIndex sourceURL="trip_audio.sidx"/></SegmentBase>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"#;

#[test]
fn mediaconvert_dash_with_base_urls() {
    let uris = check_dash(MEDIACONVERT_MPD, "dash/trip.mpd");
    let resolved: Vec<&str> = uris.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        resolved,
        [
            "s3://media/asset-1/dash/media/",
            "s3://media/asset-1/dash/media/trip_$RepresentationID$_$Number%09d$.mp4?a=1&b=2",
            "s3://media/asset-1/dash/media/trip_$RepresentationID$init.mp4",
            "s3://media/asset-1/dash/media/audio/",
            "s3://media/asset-1/dash/media/audio/trip_audio.mp4",
            "s3://media/asset-1/dash/media/audio/trip_audio.sidx",
        ]
    );
    let rec = Recorder::new();
    let out = rewrite_dash(MEDIACONVERT_MPD, &base("dash/trip.mpd"), |u| rec.map(u)).expect("ok");
    assert!(out.contains("x-custom='kept'"));
    assert!(out.contains("<!-- a comment naming trip_720p is not a URI -->"));
}

#[test]
fn outside_uris_stay_unless_mapped() {
    let mpd = r#"<MPD><BaseURL>https://cdn.example.com/x/</BaseURL><SegmentList><SegmentURL media="a.m4s"/></SegmentList></MPD>"#;
    let out = rewrite_dash(mpd, &base("dash/m.mpd"), |u| u.original.to_owned()).expect("ok");
    assert_eq!(out, mpd);
    let seen = RefCell::new(Vec::new());
    rewrite_dash(mpd, &base("dash/m.mpd"), |u| {
        seen.borrow_mut().push(u.resolved.clone());
        u.original.to_owned()
    })
    .expect("ok");
    assert_eq!(seen.into_inner()[1], "https://cdn.example.com/x/a.m4s");
}

#[test]
fn malformed_mpd_is_an_error() {
    assert!(rewrite_dash("<MPD><Period></MPD>", &base("d/m.mpd"), |u| u
        .resolved
        .clone())
    .is_err());
}
