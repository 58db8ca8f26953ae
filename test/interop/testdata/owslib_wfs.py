"""Read a WFS with OWSLib and print what it reads, as JSON.

Usage: owslib_wfs.py JOB_JSON

JOB_JSON: {"url": ..., "version": "2.0.0" or "1.1.0", "namespace": the feature type
namespace URI, "typename": the type read in full and in pages, "page_size": ...,
"bbox_queries": [{"typename": ..., "bbox": [minx, miny, maxx, maxy]}],
"featureids": [...]}

The bounding boxes are x/y (easting or longitude first). OWSLib writes them in the
axis order of the layer's first CRS.

Output: {"owslib_version", "contents": {type name: {"title", "crs", "wgs84_bbox"}},
"schema": [property names], "all": {"ids", "seconds"}, "pages": [[ids], ...],
"bbox": [{"typename", "ids"}], "featureid": {"ids"}}

Run with the system Python that python3-owslib installs for.
"""

import json
import sys
import time
import xml.etree.ElementTree as ET

import owslib
from owslib.wfs import WebFeatureService

GML_ID = ("{http://www.opengis.net/gml/3.2}id", "{http://www.opengis.net/gml}id")


def feature_ids(response, namespace, typename):
    """Return the gml:id of every feature of the type in a GetFeature response."""
    root = ET.fromstring(response.read())
    if root.tag.endswith("ExceptionReport"):
        raise RuntimeError("exception report: " + ET.tostring(root, encoding="unicode"))
    tag = "{%s}%s" % (namespace, typename.split(":", 1)[-1])
    ids = []
    for element in root.iter(tag):
        ids.append(next((element.get(a) for a in GML_ID if element.get(a)), None))
    return ids


def main():
    job = json.loads(sys.argv[1])
    ns, typename = job["namespace"], job["typename"]
    wfs = WebFeatureService(job["url"], version=job["version"], timeout=120)

    out = {"owslib_version": owslib.__version__, "class": type(wfs).__name__}
    out["contents"] = {
        name: {
            "title": layer.title,
            "crs": [str(c.getcodeurn()) for c in layer.crsOptions],
            "wgs84_bbox": list(layer.boundingBoxWGS84) if layer.boundingBoxWGS84 else None,
        }
        for name, layer in wfs.contents.items()
    }
    out["schema"] = list(wfs.get_schema(typename)["properties"].keys())

    start = time.monotonic()
    ids = feature_ids(wfs.getfeature(typename=[typename]), ns, typename)
    out["all"] = {"ids": ids, "seconds": round(time.monotonic() - start, 3)}

    pages = []
    size = job["page_size"]
    while True:
        page = feature_ids(wfs.getfeature(typename=[typename], maxfeatures=size, startindex=len(pages) * size), ns, typename)
        pages.append(page)
        if len(page) < size or len(pages) > 10000:
            break
    out["pages"] = pages

    out["bbox"] = []
    for q in job.get("bbox_queries", []):
        response = wfs.getfeature(typename=[q["typename"]], bbox=tuple(q["bbox"]))
        out["bbox"].append({"typename": q["typename"], "ids": feature_ids(response, ns, q["typename"])})

    response = wfs.getfeature(typename=[typename], featureid=job["featureids"])
    out["featureid"] = {"ids": feature_ids(response, ns, typename)}

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
