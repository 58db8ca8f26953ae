<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc">
  <NamedLayer>
    <Name>test_lines</Name>
    <UserStyle>
      <Name>thick</Name>
      <Title>Electricity thick and black, the rest thin and grey</Title>
      <FeatureTypeStyle>
        <Rule>
          <Name>elec</Name>
          <Title>Electricity</Title>
          <ogc:Filter>
            <ogc:PropertyIsEqualTo><ogc:PropertyName>network_category</ogc:PropertyName><ogc:Literal>ELEC</ogc:Literal></ogc:PropertyIsEqualTo>
          </ogc:Filter>
          <LineSymbolizer>
            <Stroke>
              <CssParameter name="stroke">#000000</CssParameter>
              <CssParameter name="stroke-width">6</CssParameter>
            </Stroke>
          </LineSymbolizer>
        </Rule>
        <Rule>
          <Name>rest</Name>
          <Title>Other networks</Title>
          <ElseFilter/>
          <LineSymbolizer>
            <Stroke>
              <CssParameter name="stroke">#888888</CssParameter>
              <CssParameter name="stroke-width">1</CssParameter>
            </Stroke>
          </LineSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
