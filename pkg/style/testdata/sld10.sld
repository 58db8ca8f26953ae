<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>duct</Name>
    <UserStyle>
      <Name>by_material</Name>
      <Title>Ducts by material</Title>
      <FeatureTypeStyle>
        <Rule>
          <Name>pvc</Name>
          <Title>PVC</Title>
          <ogc:Filter>
            <ogc:PropertyIsEqualTo><ogc:PropertyName>duct_type</ogc:PropertyName><ogc:Literal>PVC</ogc:Literal></ogc:PropertyIsEqualTo>
          </ogc:Filter>
          <MaxScaleDenominator>50000</MaxScaleDenominator>
          <LineSymbolizer>
            <Stroke>
              <CssParameter name="stroke">#FF8800</CssParameter>
              <CssParameter name="stroke-width">3</CssParameter>
              <CssParameter name="stroke-dasharray">6 3</CssParameter>
              <CssParameter name="stroke-linecap">round</CssParameter>
            </Stroke>
          </LineSymbolizer>
        </Rule>
        <Rule>
          <Name>other</Name>
          <ElseFilter/>
          <LineSymbolizer>
            <Stroke>
              <CssParameter name="stroke"><ogc:Literal>#000080</ogc:Literal></CssParameter>
              <CssParameter name="stroke-opacity">0.5</CssParameter>
            </Stroke>
          </LineSymbolizer>
          <TextSymbolizer>
            <Label><ogc:PropertyName>code</ogc:PropertyName></Label>
            <Font><CssParameter name="font-size">9</CssParameter><CssParameter name="font-weight">bold</CssParameter></Font>
            <LabelPlacement><LinePlacement/></LabelPlacement>
            <Halo><Radius>2</Radius></Halo>
          </TextSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
