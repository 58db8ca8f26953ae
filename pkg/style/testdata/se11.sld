<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" xmlns:se="http://www.opengis.net/se"
    xmlns:ogc="http://www.opengis.net/ogc" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <se:Name>technical_point</se:Name>
    <UserStyle>
      <se:Name>kinds</se:Name>
      <se:Description><se:Title>Points by kind</se:Title></se:Description>
      <IsDefault>1</IsDefault>
      <se:FeatureTypeStyle>
        <se:Rule>
          <se:Name>poles</se:Name>
          <se:Description><se:Title>Poles</se:Title></se:Description>
          <ogc:Filter>
            <ogc:And>
              <ogc:PropertyIsEqualTo><ogc:PropertyName>point_kind</ogc:PropertyName><ogc:Literal>pole</ogc:Literal></ogc:PropertyIsEqualTo>
              <ogc:Not><ogc:PropertyIsNull><ogc:PropertyName>network_category</ogc:PropertyName></ogc:PropertyIsNull></ogc:Not>
            </ogc:And>
          </ogc:Filter>
          <se:MinScaleDenominator>100</se:MinScaleDenominator>
          <se:PointSymbolizer>
            <se:Graphic>
              <se:Mark>
                <se:WellKnownName>circle</se:WellKnownName>
                <se:Fill>
                  <se:SvgParameter name="fill">
                    <se:Recode fallbackValue="#828282">
                      <se:LookupValue><ogc:PropertyName>network_category</ogc:PropertyName></se:LookupValue>
                      <se:MapItem><se:Data>ELEC</se:Data><se:Value>#FF0000</se:Value></se:MapItem>
                      <se:MapItem><se:Data>COM</se:Data><se:Value>#00FF00</se:Value></se:MapItem>
                    </se:Recode>
                  </se:SvgParameter>
                </se:Fill>
                <se:Stroke><se:SvgParameter name="stroke">#202020</se:SvgParameter></se:Stroke>
              </se:Mark>
              <se:Size>10</se:Size>
            </se:Graphic>
          </se:PointSymbolizer>
        </se:Rule>
      </se:FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
