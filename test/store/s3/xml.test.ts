import { describe, expect, test } from "bun:test";
import { elements, escapeXml, text, unescapeXml } from "../../../src/store/s3/xml.ts";

const LIST = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>true</IsTruncated>
<Contents><Key>p/cas/a&amp;b</Key><Size>5</Size></Contents><Contents><Key>p/cas/c</Key><Size>7</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>`;

describe("elements() and text()", () => {
  test("elements() gives each element's inner XML in order; text() the first one's unescaped text", () => {
    const items = elements(LIST, "Contents");
    expect(items.map((c) => [text(c, "Key"), text(c, "Size")])).toEqual([["p/cas/a&b", "5"], ["p/cas/c", "7"]]);
    expect(text(LIST, "NextContinuationToken")).toBe("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    expect(text(LIST, "IsTruncated")).toBe("true");
    expect(text(LIST, "Nothing")).toBeUndefined();
  });

  test("an element with attributes is found; a longer tag with the same start is not", () => {
    expect(elements(`<Key a="1">x</Key><KeyMarker>y</KeyMarker>`, "Key")).toEqual(["x"]);
  });
});

describe("escapeXml() and unescapeXml()", () => {
  test.each([
    ['"etag-1"', "&quot;etag-1&quot;"],
    ["a<b>&'c'", "a&lt;b&gt;&amp;&apos;c&apos;"],
  ])("escapeXml(%s) is %s, and unescapeXml() undoes it", (raw, escaped) => {
    expect(escapeXml(raw)).toBe(escaped);
    expect(unescapeXml(escaped)).toBe(raw);
  });

  test("unescapeXml() reads numeric references", () => {
    expect(unescapeXml("&#65;&#x42;")).toBe("AB");
  });
});
