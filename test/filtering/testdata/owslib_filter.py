"""Runs a GetFeature with a filter built by OWSLib and prints the feature ids as JSON.

Usage: owslib_filter.py URL VERSION TYPENAME CASE
CASE names one of the filters below; the test compares the ids with SQL.
"""
import json
import sys

from owslib.wfs import WebFeatureService

url, version, typename, case = sys.argv[1:5]

if version == "2.0.0":
    from owslib import fes2 as fes

    def filter_xml(f):
        # The POST request builder of OWSLib 0.27 takes the filter as an element.
        return fes.Filter(f).toXML()
else:
    from owslib import fes

    def filter_xml(f):
        return fes.FilterRequest().setConstraint(f, tostring=True)

cases = {
    "equal": lambda: fes.PropertyIsEqualTo(propertyname="network_category", literal="ELEC"),
    "like": lambda: fes.PropertyIsLike(propertyname="code", literal="TR-GAZ*", wildCard="*", singleChar=".", escapeChar="!"),
    "greater": lambda: fes.PropertyIsGreaterThan(propertyname="capacity", literal="96"),
    "and": lambda: fes.And([fes.PropertyIsEqualTo(propertyname="network_category", literal="GAZ"),
                            fes.PropertyIsLessThanOrEqualTo(propertyname="nominal_size_mm", literal="100")]),
    "or": lambda: fes.Or([fes.PropertyIsEqualTo(propertyname="network_category", literal="GAZ"),
                          fes.PropertyIsEqualTo(propertyname="network_category", literal="ELEC")]),
    "not": lambda: fes.Not([fes.PropertyIsEqualTo(propertyname="network_category", literal="GAZ")]),
}

wfs = WebFeatureService(url, version=version)
kwargs = {"typename": [typename], "outputFormat": "application/json"}
if case == "bbox":
    # OWSLib users pass a box through bbox=; its fes.BBox names the CSW property
    # ows:BoundingBox, which a WFS layer does not have.
    kwargs["bbox"] = (452000, 6901000, 456000, 6905000, "urn:ogc:def:crs:EPSG::2154")
else:
    kwargs["filter"] = filter_xml(cases[case]())
if version == "2.0.0":
    # OWSLib 0.27 sends a WFS 2.0 filter by GET as a QUERY parameter, which is no WFS
    # parameter; by POST it writes a proper wfs:Query.
    kwargs["method"] = "Post"
response = wfs.getfeature(**kwargs)
data = json.loads(response.read())
print(json.dumps(sorted(f["id"] for f in data["features"])))
