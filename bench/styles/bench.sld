<?xml version="1.0" encoding="UTF-8"?>
<!--
  Styles of the benchmark tables (bench/fourreau-bench.yaml), the same drawing as the
  MapServer and QGIS Server configurations of the benchmark: ducts coloured by
  network_type (1.5 px, 1.2 px for lighting and traffic signals), technical points as
  5 px dark circles outlined in white, planned works filled in orange at 40 % with a
  1 px darker outline. Load it with wms.styles_dir: bench/styles.
-->
<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" xmlns:se="http://www.opengis.net/se"
    xmlns:ogc="http://www.opengis.net/ogc">
  <NamedLayer>
    <se:Name>ducts</se:Name>
    <UserStyle>
      <se:Name>network_type</se:Name>
      <se:Description><se:Title>Ducts by network type</se:Title></se:Description>
      <IsDefault>1</IsDefault>
      <se:FeatureTypeStyle>
        <se:Rule>
          <se:Name>telecom</se:Name>
          <se:Description><se:Title>Telecom</se:Title></se:Description>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>network_type</ogc:PropertyName><ogc:Literal>telecom</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <se:LineSymbolizer><se:Stroke>
            <se:SvgParameter name="stroke">#008C3C</se:SvgParameter>
            <se:SvgParameter name="stroke-width">1.5</se:SvgParameter>
            <se:SvgParameter name="stroke-linejoin">round</se:SvgParameter>
          </se:Stroke></se:LineSymbolizer>
        </se:Rule>
        <se:Rule>
          <se:Name>electricity</se:Name>
          <se:Description><se:Title>Electricity</se:Title></se:Description>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>network_type</ogc:PropertyName><ogc:Literal>electricity</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <se:LineSymbolizer><se:Stroke>
            <se:SvgParameter name="stroke">#DC1E1E</se:SvgParameter>
            <se:SvgParameter name="stroke-width">1.5</se:SvgParameter>
            <se:SvgParameter name="stroke-linejoin">round</se:SvgParameter>
          </se:Stroke></se:LineSymbolizer>
        </se:Rule>
        <se:Rule>
          <se:Name>lighting</se:Name>
          <se:Description><se:Title>Lighting and traffic signals</se:Title></se:Description>
          <ogc:Filter><ogc:Or>
            <ogc:PropertyIsEqualTo><ogc:PropertyName>network_type</ogc:PropertyName><ogc:Literal>lighting</ogc:Literal></ogc:PropertyIsEqualTo>
            <ogc:PropertyIsEqualTo><ogc:PropertyName>network_type</ogc:PropertyName><ogc:Literal>traffic_signals</ogc:Literal></ogc:PropertyIsEqualTo>
          </ogc:Or></ogc:Filter>
          <se:LineSymbolizer><se:Stroke>
            <se:SvgParameter name="stroke">#963CBE</se:SvgParameter>
            <se:SvgParameter name="stroke-width">1.2</se:SvgParameter>
            <se:SvgParameter name="stroke-linejoin">round</se:SvgParameter>
          </se:Stroke></se:LineSymbolizer>
        </se:Rule>
        <se:Rule>
          <se:Name>gas</se:Name>
          <se:Description><se:Title>Gas</se:Title></se:Description>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>network_type</ogc:PropertyName><ogc:Literal>gas</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <se:LineSymbolizer><se:Stroke>
            <se:SvgParameter name="stroke">#E6AA00</se:SvgParameter>
            <se:SvgParameter name="stroke-width">1.5</se:SvgParameter>
            <se:SvgParameter name="stroke-linejoin">round</se:SvgParameter>
          </se:Stroke></se:LineSymbolizer>
        </se:Rule>
        <se:Rule>
          <se:Name>water</se:Name>
          <se:Description><se:Title>Water and other networks</se:Title></se:Description>
          <se:ElseFilter/>
          <se:LineSymbolizer><se:Stroke>
            <se:SvgParameter name="stroke">#1E5ADC</se:SvgParameter>
            <se:SvgParameter name="stroke-width">1.5</se:SvgParameter>
            <se:SvgParameter name="stroke-linejoin">round</se:SvgParameter>
          </se:Stroke></se:LineSymbolizer>
        </se:Rule>
      </se:FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
  <NamedLayer>
    <se:Name>tech_points</se:Name>
    <UserStyle>
      <se:Name>point</se:Name>
      <se:Description><se:Title>Technical points</se:Title></se:Description>
      <IsDefault>1</IsDefault>
      <se:FeatureTypeStyle>
        <se:Rule>
          <se:Name>point</se:Name>
          <se:Description><se:Title>Technical point</se:Title></se:Description>
          <se:PointSymbolizer><se:Graphic>
            <se:Mark>
              <se:WellKnownName>circle</se:WellKnownName>
              <se:Fill><se:SvgParameter name="fill">#282828</se:SvgParameter></se:Fill>
              <se:Stroke>
                <se:SvgParameter name="stroke">#FFFFFF</se:SvgParameter>
                <se:SvgParameter name="stroke-width">1</se:SvgParameter>
              </se:Stroke>
            </se:Mark>
            <se:Size>5</se:Size>
          </se:Graphic></se:PointSymbolizer>
        </se:Rule>
      </se:FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
  <NamedLayer>
    <se:Name>planned_works</se:Name>
    <UserStyle>
      <se:Name>works</se:Name>
      <se:Description><se:Title>Planned works</se:Title></se:Description>
      <IsDefault>1</IsDefault>
      <se:FeatureTypeStyle>
        <se:Rule>
          <se:Name>works</se:Name>
          <se:Description><se:Title>Planned works</se:Title></se:Description>
          <se:PolygonSymbolizer>
            <se:Fill>
              <se:SvgParameter name="fill">#FF8C00</se:SvgParameter>
              <se:SvgParameter name="fill-opacity">0.4</se:SvgParameter>
            </se:Fill>
            <se:Stroke>
              <se:SvgParameter name="stroke">#C85A00</se:SvgParameter>
              <se:SvgParameter name="stroke-width">1</se:SvgParameter>
            </se:Stroke>
          </se:PolygonSymbolizer>
        </se:Rule>
      </se:FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
