"""Load WFS layers with the QGIS 'WFS' provider and print what QGIS reads, as JSON.

Usage: qgis_wfs.py JOBS_JSON

JOBS_JSON is a list of layer loads:
  {"name": ..., "url": ..., "typename": ..., "version": ..., "srsname": ...,
   "page_size": 0 or a page size, "key": a field with unique values,
   "sample_keys": [key values whose attributes are reported]}

For each load the output has: name, uri, valid, error, crs, provider_count
(featureCount()), features (features read), distinct_keys, extent (layer extent after
reading, [xmin, ymin, xmax, ymax]), feature_extent (union of the geometry bounding
boxes), fields, samples (key value -> {field: value}) and seconds.

Run with the system Python that python3-qgis installs for, QT_QPA_PLATFORM=offscreen
and a temporary HOME, because the provider caches downloads under the profile.
"""

import json
import sys
import time

from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime, QVariant
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsDataSourceUri,
    QgsRectangle,
    QgsVectorLayer,
)


def plain(value):
    """Convert an attribute value to a JSON value."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        if not value.isValid():
            return None
        return value.toUTC().toString(Qt.ISODateWithMs)
    if isinstance(value, QDate):
        return value.toString(Qt.ISODate) if value.isValid() else None
    if isinstance(value, QTime):
        return value.toString(Qt.ISODateWithMs) if value.isValid() else None
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def rectangle(r):
    if r.isNull():
        return None
    return [r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum()]


def load(job):
    uri = QgsDataSourceUri()
    uri.setParam("url", job["url"])
    uri.setParam("typename", job["typename"])
    uri.setParam("version", job["version"])
    uri.setParam("srsname", job["srsname"])
    uri.setParam("restrictToRequestBBOX", "0")
    if job.get("page_size"):
        uri.setParam("pagingEnabled", "true")
        uri.setParam("pageSize", str(job["page_size"]))
    else:
        uri.setParam("pagingEnabled", "false")
    text = uri.uri(False)

    start = time.monotonic()
    layer = QgsVectorLayer(text, job["name"], "WFS")
    result = {"name": job["name"], "uri": text, "valid": layer.isValid()}
    if not layer.isValid():
        result["error"] = layer.error().summary() or "the layer is not valid"
        return result

    key = job["key"]
    sample_set = set(str(k) for k in job.get("sample_keys", []))
    names = layer.fields().names()
    count = 0
    keys = set()
    samples = {}
    feature_extent = QgsRectangle()
    feature_extent.setMinimal()
    for feat in layer.getFeatures():
        count += 1
        key_value = str(plain(feat[key]))
        keys.add(key_value)
        if key_value in sample_set:
            samples[key_value] = {n: plain(feat[n]) for n in names}
        geometry = feat.geometry()
        if geometry is not None and not geometry.isNull():
            feature_extent.combineExtentWith(geometry.boundingBox())
    layer.updateExtents()

    result.update(
        {
            "crs": layer.crs().authid(),
            "provider_count": layer.featureCount(),
            "features": count,
            "distinct_keys": len(keys),
            "extent": rectangle(layer.extent()),
            "feature_extent": rectangle(feature_extent) if count else None,
            "fields": names,
            "samples": samples,
            "seconds": round(time.monotonic() - start, 3),
        }
    )
    return result


def main():
    jobs = json.loads(sys.argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    try:
        results = [load(job) for job in jobs]
    finally:
        app.exitQgis()
    json.dump({"qgis_version": Qgis.QGIS_VERSION, "layers": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
