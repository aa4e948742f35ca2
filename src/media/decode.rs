//! Frame-accurate video decoding for thumbnails: keyframe seek, then decode up to the exact time,
//! with frame threading on and the picture scaled, rotated and aspect-corrected for display.

use std::path::{Path, PathBuf};

use ffmpeg_next::codec::threading;
use ffmpeg_next::format::context::Input;
use ffmpeg_next::software::scaling;
use ffmpeg_next::util::frame::Video as VideoFrame;
use ffmpeg_next::{decoder, format, Packet, Rational};
use image::RgbImage;

use super::error::{MediaError, Result};
use super::ffi;
use crate::limits::DECODE_FORWARD_INSTEAD_OF_SEEK_S;

/// A decoded frame and the time it is shown at.
pub(crate) struct TimedFrame {
    pub at_s: f64,
    pub frame: VideoFrame,
}

/// Decodes one video stream of a file, frame by frame, from any point.
pub(crate) struct VideoDecoder {
    path: PathBuf,
    input: Input,
    stream_index: usize,
    time_base: Rational,
    start_s: f64,
    decoder: decoder::Video,
    rotation_cw: u32,
    sar: (i32, i32),
    /// Time of the last frame handed out; decoding forward from here is cheaper than seeking.
    position_s: Option<f64>,
    input_done: bool,
    scaler: Option<(scaling::Context, (u32, u32, format::Pixel))>,
}

impl VideoDecoder {
    pub fn open(path: &Path) -> Result<Self> {
        super::probe::preflight(path)?;
        let input = super::open_input(path)?;
        let stream = input
            .streams()
            .filter(|s| s.parameters().medium() == ffmpeg_next::media::Type::Video)
            .find(|s| {
                !s.disposition().contains(format::stream::Disposition::ATTACHED_PIC)
            })
            .ok_or_else(|| MediaError::NoVideoStream { path: path.to_path_buf() })?;
        let stream_index = stream.index();
        let time_base = stream.time_base();
        let start_s = if stream.start_time() == ffmpeg_next::ffi::AV_NOPTS_VALUE {
            0.0
        } else {
            stream.start_time() as f64 * f64::from(time_base)
        };
        let rotation_cw = ffi::display_rotation_cw(&stream);
        let raw = ffi::raw_params(&stream.parameters());
        let mut ctx = ffmpeg_next::codec::Context::from_parameters(stream.parameters())
            .map_err(|e| decode_err(path, 0.0, e))?;
        // Frame threading on all cores: the decoder is otherwise single-threaded. Built with
        // `..Default::default()` so it compiles whether or not the FFmpeg version has `safe`.
        ctx.set_threading(threading::Config {
            kind: threading::Type::Frame,
            count: 0,
            ..Default::default()
        });
        let decoder = ctx.decoder().video().map_err(|e| decode_err(path, 0.0, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            input,
            stream_index,
            time_base,
            start_s,
            decoder,
            rotation_cw,
            sar: raw.sar,
            position_s: None,
            input_done: false,
            scaler: None,
        })
    }

    /// Duration of the file in seconds, if the container says.
    pub fn duration_s(&self) -> Option<f64> {
        let d = self.input.duration();
        (d > 0).then(|| d as f64 / f64::from(ffmpeg_next::ffi::AV_TIME_BASE))
    }

    /// The first frame shown at or after `at_s` (the last frame if `at_s` is past the end).
    pub fn frame_at(&mut self, at_s: f64) -> Result<TimedFrame> {
        let ahead = self.position_s.map(|p| at_s - p);
        let decode_forward = matches!(ahead, Some(d) if (0.0..=DECODE_FORWARD_INSTEAD_OF_SEEK_S).contains(&d));
        if !decode_forward {
            self.seek(at_s)?;
        }
        let mut last: Option<TimedFrame> = None;
        // Half a frame of slack, so a frame at 6.9999 s counts as the one at 7 s.
        let slack_s = 0.5 / self.decoder.frame_rate().map_or(30.0, f64::from).max(1.0);
        while let Some(frame) = self.next_frame()? {
            if frame.at_s + slack_s >= at_s {
                return Ok(frame);
            }
            last = Some(frame);
        }
        last.ok_or_else(|| MediaError::Decode {
            path: self.path.clone(),
            at_s,
            detail: "no frame could be decoded".into(),
        })
    }

    fn seek(&mut self, at_s: f64) -> Result<()> {
        let target = ((at_s + self.start_s) * f64::from(ffmpeg_next::ffi::AV_TIME_BASE)) as i64;
        // Land on the keyframe at or before the target; an error (unseekable input) just means
        // we decode from where we are, which is still correct, only slower.
        if self.input.seek(target, ..target).is_err() {
            tracing::debug!(path = %self.path.display(), at_s, "seek failed; decoding forward");
        }
        self.decoder.flush();
        self.input_done = false;
        self.position_s = None;
        Ok(())
    }

    /// The next decoded frame in presentation order, or `None` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<TimedFrame>> {
        let mut frame = VideoFrame::empty();
        loop {
            if self.decoder.receive_frame(&mut frame).is_ok() {
                let ts = frame.timestamp().or(frame.pts()).unwrap_or(0);
                let at_s = ts as f64 * f64::from(self.time_base) - self.start_s;
                self.position_s = Some(at_s);
                return Ok(Some(TimedFrame { at_s, frame }));
            }
            if self.input_done {
                return Ok(None);
            }
            match self.read_packet() {
                Some(packet) => {
                    // A corrupt packet is skipped, as players do; the next keyframe recovers.
                    if let Err(e) = self.decoder.send_packet(&packet) {
                        tracing::debug!(path = %self.path.display(), error = %e, "packet rejected");
                    }
                }
                None => {
                    self.input_done = true;
                    // Ignore the result: EOF may already have been sent after an earlier drain.
                    let _ = self.decoder.send_eof();
                }
            }
        }
    }

    fn read_packet(&mut self) -> Option<Packet> {
        // A damaged region yields read errors; skip a bounded number of them, like ffmpeg does.
        const MAX_CONSECUTIVE_READ_ERRORS: u32 = 64;
        let mut errors = 0;
        let mut packet = Packet::empty();
        loop {
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream_index => return Some(packet),
                Ok(()) => errors = 0,
                Err(ffmpeg_next::Error::Eof) => return None,
                Err(e) => {
                    tracing::debug!(path = %self.path.display(), error = %e, "read error");
                    errors += 1;
                    if errors >= MAX_CONSECUTIVE_READ_ERRORS {
                        return None;
                    }
                }
            }
        }
    }

    /// Width and height the picture is shown at (sample aspect ratio applied, then rotation).
    pub fn display_size(&self) -> (u32, u32) {
        let (w, h) = (self.decoder.width(), self.decoder.height());
        let (n, d) = self.sar;
        let w = if n > 0 && d > 0 { (f64::from(w) * f64::from(n) / f64::from(d)).round() as u32 } else { w };
        if self.rotation_cw % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// Converts a frame to an upright RGB picture `width` pixels wide, aspect kept.
    pub fn render_rgb(&mut self, frame: &VideoFrame, width: u32) -> Result<RgbImage> {
        let (dw, dh) = self.display_size();
        let out_w = width.max(2);
        let out_h = ((f64::from(out_w) * f64::from(dh) / f64::from(dw.max(1))).round() as u32).max(2);
        // Scale in the stored orientation, then rotate the small picture (cheap).
        let (scale_w, scale_h) = if self.rotation_cw % 180 == 90 { (out_h, out_w) } else { (out_w, out_h) };
        let key = (frame.width(), frame.height(), frame.format());
        let needs_new = self.scaler.as_ref().is_none_or(|(_, k)| *k != key);
        if needs_new {
            let ctx = scaling::Context::get(
                frame.format(),
                frame.width(),
                frame.height(),
                format::Pixel::RGB24,
                scale_w,
                scale_h,
                scaling::Flags::AREA | scaling::Flags::ACCURATE_RND,
            )
            .map_err(|e| decode_err(&self.path, 0.0, e))?;
            self.scaler = Some((ctx, key));
        }
        let mut rgb = VideoFrame::empty();
        if let Some((scaler, _)) = self.scaler.as_mut() {
            scaler.run(frame, &mut rgb).map_err(|e| decode_err(&self.path, 0.0, e))?;
        }
        let stride = rgb.stride(0);
        let data = rgb.data(0);
        let row_bytes = scale_w as usize * 3;
        let mut buf = Vec::with_capacity(row_bytes * scale_h as usize);
        for row in 0..scale_h as usize {
            buf.extend_from_slice(&data[row * stride..row * stride + row_bytes]);
        }
        let img = RgbImage::from_raw(scale_w, scale_h, buf).ok_or_else(|| MediaError::Decode {
            path: self.path.clone(),
            at_s: 0.0,
            detail: "scaled frame has an unexpected size".into(),
        })?;
        Ok(match self.rotation_cw {
            90 => image::imageops::rotate90(&img),
            180 => image::imageops::rotate180(&img),
            270 => image::imageops::rotate270(&img),
            _ => img,
        })
    }
}

fn decode_err(path: &Path, at_s: f64, e: ffmpeg_next::Error) -> MediaError {
    MediaError::Decode { path: path.to_path_buf(), at_s, detail: e.to_string() }
}
