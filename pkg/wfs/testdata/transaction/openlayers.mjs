// Writes the WFS-T requests that OpenLayers produces into the test fixtures
// ol_wfs_<version>.xml. Run with Node.js after `npm install ol@10.11.0 @xmldom/xmldom`:
//   node openlayers.mjs <output folder>
// duct.__UPDATE_ID__ and duct.__DELETE_ID__ are replaced by the tests with real ids.
import {DOMImplementation, XMLSerializer} from '@xmldom/xmldom';
import {registerDocument, registerXMLSerializer} from 'ol/xml.js';
import WFS from 'ol/format/WFS.js';
import Feature from 'ol/Feature.js';
import LineString from 'ol/geom/LineString.js';
import {writeFileSync} from 'node:fs';

registerDocument(new DOMImplementation().createDocument(null, null, null));
registerXMLSerializer(new XMLSerializer());

const out = process.argv[2] || '.';
const ser = new XMLSerializer();

function newDuct(code, coords) {
  const f = new Feature({
    code, lifecycle_status: 'functional', precision_xy: 'A', duct_type: 'PE',
    comment: 'saisie OpenLayers', built_on: '2024-03-15',
  });
  f.setGeometryName('geom');
  f.setGeometry(new LineString(coords));
  return f;
}

// An edited feature as an application holds it after reading it with GetFeature: its id,
// its properties and the geometry property named after the layer.
function editedDuct(id, coords) {
  const f = new Feature({comment: 'modifié dans OpenLayers', colour: null, cable_count: 4});
  f.setGeometryName('geom');
  f.setGeometry(new LineString(coords));
  f.setId(id);
  return f;
}

function deleted(id) {
  const f = new Feature();
  f.setId(id);
  return f;
}

// The WFS format picks GML 2 for 1.0.0, GML 3.1 for 1.1.0 and GML 3.2 for 2.0.0.
for (const version of ['1.0.0', '1.1.0', '2.0.0']) {
  const format = new WFS({version});
  const opts = {
    featureNS: 'http://fourreau.org/net', featurePrefix: 'net', featureType: 'duct',
    srsName: 'EPSG:2154', version, gmlOptions: {srsName: 'EPSG:2154'}, nativeElements: [],
  };
  const inserts = [
    newDuct('OLTEST-1', [[455000, 6903000], [455010, 6903004], [455030, 6903004]]),
    newDuct('OLTEST-2', [[455100, 6903000], [455120, 6903010]]),
  ];
  const updates = [editedDuct('duct.__UPDATE_ID__', [[455200, 6903000], [455230, 6903020]])];
  const deletes = [deleted('duct.__DELETE_ID__')];
  const node = format.writeTransaction(inserts, updates, deletes, opts);
  writeFileSync(`${out}/ol_wfs_${version}.xml`, ser.serializeToString(node));
}
