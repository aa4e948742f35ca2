import { describe, expect, it } from "vitest";
import { formatBitRate, formatBytes, formatDuration, formatEta, formatRate, formatResolution } from "./format";

describe("formatDuration", () => {
  it("prints minutes and zero-padded seconds under an hour", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(7.9)).toBe("0:07");
    expect(formatDuration(245)).toBe("4:05");
    expect(formatDuration(3599.99)).toBe("59:59");
  });
  it("adds hours with zero-padded minutes from an hour on", () => {
    expect(formatDuration(3600)).toBe("1:00:00");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(36000)).toBe("10:00:00");
  });
  it("prints a dash for unknown or nonsense durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(undefined)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("—");
  });
});

describe("formatBytes", () => {
  it("keeps bytes exact below a kilobyte", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
  });
  it("uses decimal units with three significant digits", () => {
    expect(formatBytes(1000)).toBe("1.00 KB");
    expect(formatBytes(1_234_567)).toBe("1.23 MB");
    expect(formatBytes(12_345_678_901)).toBe("12.3 GB");
    expect(formatBytes(123_456_789_012)).toBe("123 GB");
    expect(formatBytes(2.5e15)).toBe("2.50 PB");
  });
  it("carries a value that rounds up to 1000 into the next unit", () => {
    expect(formatBytes(999_960)).toBe("1.00 MB");
    expect(formatBytes(999_999_999)).toBe("1.00 GB");
  });
  it("prints a dash for unknown sizes", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(-5)).toBe("—");
  });
});

describe("formatBitRate", () => {
  it("picks Mbps, kbps or bps", () => {
    expect(formatBitRate(8_500_000)).toBe("8.5 Mbps");
    expect(formatBitRate(128_000)).toBe("128 kbps");
    expect(formatBitRate(900)).toBe("900 bps");
    expect(formatBitRate(null)).toBe("—");
  });
});

describe("formatRate and formatEta", () => {
  it("prints a speed in decimal units", () => {
    expect(formatRate(12_345_678)).toBe("12.3 MB/s");
    expect(formatRate(0)).toBe("—");
    expect(formatRate(null)).toBe("—");
  });
  it("rounds the ETA to what a person can use", () => {
    expect(formatEta(0.2)).toBe("1 s left");
    expect(formatEta(42.4)).toBe("42 s left");
    expect(formatEta(185)).toBe("3 min left");
    expect(formatEta(3900)).toBe("1 h 05 min left");
    expect(formatEta(null)).toBe("");
  });
  it("prints a resolution or a dash", () => {
    expect(formatResolution(1920, 1080)).toBe("1920×1080");
    expect(formatResolution(null, null)).toBe("—");
  });
});
