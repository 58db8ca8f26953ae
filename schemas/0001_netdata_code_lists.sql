-- Code lists of the network data model.
--
-- Every code list is a lookup table with the same leading columns:
--   code           primary key stored in the feature tables (text, FK target)
--   label_fr       French label shown to users
--   label_en       English label
--   stardt_value   value of the StaR-DT / StaR-Elec code list, when one exists
--   gracethd_value code of the GraceTHD v2.0.1 list (l_*.csv), when one exists
--   sort_order     display order
-- The mapping columns hold the one value used for export. Imports that map
-- several external codes onto one model code (for example GraceTHD E and S
-- both to 'functional') do it in their own translation SQL.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS netdata;

-- Network category (nature du réseau) with its NF P 98-332 colour as drawn by
-- the PCRS code list. sensitive_default is true when a network of this
-- category is by default sensitive for safety (DT-DICT category I, Code de
-- l'environnement R554-2).
CREATE TABLE netdata.network_category (
    code              text PRIMARY KEY,
    label_fr          text NOT NULL,
    label_en          text NOT NULL,
    colour_name       text NOT NULL,
    colour_hex        text NOT NULL CHECK (colour_hex ~ '^#[0-9A-F]{6}$'),
    sensitive_default boolean NOT NULL,
    inspire_value     text,
    pcrs_value        text,
    stardt_value      text,
    gracethd_value    text,
    sort_order        integer NOT NULL
);

INSERT INTO netdata.network_category
    (code, label_fr, label_en, colour_name, colour_hex, sensitive_default,
     inspire_value, pcrs_value, stardt_value, gracethd_value, sort_order)
VALUES
    ('ELEC', 'Électricité', 'Electricity', 'red', '#FF0000', true,
     'electricity', 'ELECBT', 'ELEC', 'ELE', 10),
    ('ELECTRD', 'Électricité : transport et distribution', 'Electricity transmission and distribution',
     'red', '#FF0000', true, 'electricity', 'ELECHT', 'ELECTRD', NULL, 20),
    ('ELECECL', 'Éclairage public', 'Public lighting', 'red', '#FF0000', true,
     'electricity', 'ELECECL', 'ELECECL', NULL, 30),
    -- NF P 98-332 gives white for traffic lights; the PCRS code list draws
    -- them red, and colour_hex follows the PCRS drawing.
    ('ELECSLT', 'Signalisation lumineuse tricolore', 'Traffic lights', 'white', '#FF0000', true,
     'electricity', 'ELECSLT', 'ELECSLT', NULL, 40),
    ('GAZ', 'Gaz combustible et hydrocarbures', 'Combustible gas and hydrocarbons', 'yellow', '#FFFF00', true,
     'oilGasChemicals', 'GAZ', 'GAZ', 'GAZ', 50),
    ('CHIM', 'Produits chimiques', 'Chemicals', 'orange', '#FF6400', true,
     'oilGasChemicals', 'CHIM', 'CHIM', NULL, 60),
    ('AEP', 'Eau potable', 'Drinking water', 'blue', '#0000FF', false,
     'water', 'AEP', 'AEP', 'EAU', 70),
    ('AUTREAU', 'Autres eaux (incendie, irrigation, eau brute ou salée)', 'Other water (fire, irrigation, raw or salt water)',
     'blue', '#0000FF', false, 'water', 'INCE', 'AUTREAU', NULL, 80),
    ('ASS', 'Assainissement (eaux usées et pluviales)', 'Sewage and storm water', 'brown', '#7D4900', false,
     'sewer', 'ASSA', 'ASS', 'ASS', 90),
    ('ASSEP', 'Assainissement : eaux pluviales', 'Storm water', 'brown', '#7D4900', false,
     'sewer', 'ASSAEP', 'ASSEP', NULL, 100),
    ('ASSEU', 'Assainissement : eaux usées', 'Waste water', 'brown', '#7D4900', false,
     'sewer', 'ASSAEU', 'ASSEU', NULL, 110),
    ('ASSUN', 'Assainissement unitaire', 'Combined sewer', 'brown', '#7D4900', false,
     'sewer', 'ASSARU', 'ASSUN', NULL, 120),
    ('CHAU', 'Chauffage et climatisation', 'Heating and cooling', 'violet', '#640064', true,
     'thermal', 'CHAU', 'CHAU', NULL, 130),
    ('COM', 'Communications électroniques et très basse tension', 'Electronic communications and very low voltage',
     'green', '#00FF00', false, 'telecommunications', 'COM', 'COM', 'TEL', 140),
    ('DECH', 'Déchets', 'Waste', 'none', '#828282', false,
     NULL, 'DECH', 'DECH', NULL, 150),
    -- NF P 98-332 and the PCRS list give no colour for flood-protection works:
    -- they get the grey of undefined networks.
    ('PINS', 'Ouvrages de protection contre les inondations', 'Flood-protection works', 'none', '#828282', false,
     NULL, NULL, 'PINS', NULL, 160),
    -- Multi-network and undefined default to sensitive, so that a DT-DICT
    -- reply never under-reports a network whose nature is unknown.
    ('MULT', 'Multi-réseaux', 'Multi-network', 'pink', '#FF008B', true,
     'crossTheme', 'MULT', 'MULT', NULL, 170),
    ('INC', 'Non défini', 'Undefined', 'none', '#828282', true,
     NULL, '00', 'INC', 'NC', 180);

-- Life-cycle status (statut de l'ouvrage): INSPIRE/StaR-DT
-- ConditionOfFacilityValue plus GraceTHD l_avancement.
CREATE TABLE netdata.lifecycle_status (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.lifecycle_status VALUES
    ('projected', 'En projet', 'Projected', 'Projected', 'C', 10),
    ('under_construction', 'En travaux', 'Under construction', 'UnderConstruction', 'T', 20),
    ('commissioning', 'En cours de mise en service', 'Under commissioning', 'UnderCommissionning', NULL, 30),
    ('functional', 'En service', 'Functional', 'Functional', 'E', 40),
    ('out_of_service', 'Hors service', 'Out of service', NULL, 'H', 50),
    ('to_decommission', 'À abandonner', 'To decommission', 'ToDecommission', NULL, 60),
    ('decommissioned', 'Abandonné', 'Decommissioned', 'Decommissioned', 'A', 70),
    ('to_dismantle', 'À déposer', 'To dismantle', 'ToDismantle', NULL, 80),
    ('dismantled', 'Déposé', 'Dismantled', 'Dismantled', NULL, 90);

-- Project phase in the sense of the French public-works law (loi MOP),
-- GraceTHD l_statut.
CREATE TABLE netdata.project_phase (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.project_phase VALUES
    ('PRE', 'Étude préliminaire', 'Preliminary study', NULL, 'PRE', 10),
    ('DIA', 'Étude de diagnostic', 'Diagnostic study', NULL, 'DIA', 20),
    ('AVP', 'Avant-projet', 'Outline design', NULL, 'AVP', 30),
    ('PRO', 'Projet', 'Detailed design', NULL, 'PRO', 40),
    ('ACT', 'Passation des marchés de travaux', 'Works contract award', NULL, 'ACT', 50),
    ('EXE', 'Étude d''exécution', 'Execution study', NULL, 'EXE', 60),
    ('TVX', 'Travaux', 'Works', NULL, 'TVX', 70),
    ('REC', 'Récolement', 'As-built survey', NULL, 'REC', 80),
    ('MCO', 'Maintien en conditions opérationnelles', 'Maintenance', NULL, 'MCO', 90);

-- Physical condition (état), GraceTHD l_etat_type.
CREATE TABLE netdata.condition (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.condition VALUES
    ('OK', 'Bon état', 'Good', NULL, 'OK', 10),
    ('ME', 'Mauvais état', 'Poor', NULL, 'ME', 20),
    ('HS', 'À changer', 'To replace', NULL, 'HS', 30),
    ('NC', 'Non concerné', 'Not applicable', NULL, 'NC', 40);

-- DT-DICT location precision class (arrêté of 15 February 2012):
-- A <= 40 cm (rigid) or 50 cm (flexible), B <= 1.5 m, C above or unknown.
-- GraceTHD AP (class A in plan only) is imported as A in XY and NULL in Z.
CREATE TABLE netdata.precision_class (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    max_error_m    numeric(4,2),
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.precision_class VALUES
    ('A', 'Classe A (≤ 40 cm rigide, ≤ 50 cm flexible)', 'Class A (<= 40 cm rigid, <= 50 cm flexible)', 0.50, 'A', 'A', 10),
    ('B', 'Classe B (≤ 1,5 m)', 'Class B (<= 1.5 m)', 1.50, 'B', 'B', 20),
    ('C', 'Classe C (> 1,5 m ou inconnue)', 'Class C (> 1.5 m or unknown)', NULL, 'C', 'C', 30);

-- Capture mode of the location, GraceTHD l_geoloc_mode.
CREATE TABLE netdata.geoloc_mode (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.geoloc_mode VALUES
    ('LTRO', 'Levé durant la pose', 'Surveyed during laying', NULL, 'LTRO', 10),
    ('LVIS', 'Levé après la pose', 'Surveyed after laying', NULL, 'LVIS', 20),
    ('DETC', 'Levé avec détection', 'Surveyed by detection', NULL, 'DETC', 30),
    ('FDPL', 'Cotation par rapport à un levé de géomètre', 'Dimensioned from a surveyor''s plan', NULL, 'FDPL', 40),
    ('CBDU', 'Cotation par rapport à un fond de plan tiers', 'Dimensioned from a third-party base map', NULL, 'CBDU', 50),
    ('CADA', 'Positionnement sur cadastre', 'Placed on the cadastre', NULL, 'CADA', 60),
    ('ORTO', 'Positionnement sur orthophotographie ou fond cartographique', 'Placed on an orthophoto or map', NULL, 'ORTO', 70),
    ('INDT', 'Indéterminé', 'Undetermined', NULL, 'INDT', 80);

-- Duct and pipe material: union of GraceTHD l_conduite_type and the RecoStaR
-- protection material list.
CREATE TABLE netdata.material (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.material VALUES
    ('PE', 'Polyéthylène (PEHD)', 'Polyethylene (HDPE)', 'PE', 'PEHD', 10),
    ('PEX', 'Polyéthylène réticulé', 'Cross-linked polyethylene', 'PEX', NULL, 20),
    ('PVC', 'PVC', 'PVC', 'PVC', 'PVC', 30),
    ('TPC', 'Tube annelé (TPC)', 'Corrugated tube (TPC)', NULL, 'TPC', 40),
    ('steel', 'Acier', 'Steel', 'Steel', NULL, 50),
    ('cast_iron', 'Fonte', 'Cast iron', 'CastIron', NULL, 60),
    ('concrete', 'Béton', 'Concrete', 'Concrete', NULL, 70),
    ('cement', 'Conduite unitaire ciment', 'Cement duct', NULL, 'CUC', 80),
    ('masonry', 'Maçonnerie', 'Masonry', 'Masonry', NULL, 90),
    ('trough_cell', 'Alvéole de caniveau', 'Trough cell', NULL, 'CAN', 100),
    ('gutter_cell', 'Alvéole de goulotte', 'Gutter cell', NULL, 'GOU', 110),
    ('aerial_virtual', 'Conduite aérienne virtuelle', 'Virtual aerial duct', NULL, 'AER', 120),
    ('other', 'Autre', 'Other', 'Other', 'AUTRE', 130),
    ('unknown', 'Non communiqué', 'Unknown', NULL, 'NC', 140);

-- Occupancy of a duct or chamber, GraceTHD l_occupation_type.
CREATE TABLE netdata.occupancy_class (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.occupancy_class VALUES
    ('0', 'Vide', 'Empty', NULL, '0', 10),
    ('1.1', 'Non vide, exploitable', 'Not empty, usable', NULL, '1.1', 20),
    ('1.2', 'Non vide, non exploitable', 'Not empty, unusable', NULL, '1.2', 30),
    ('2', 'Saturé', 'Saturated', NULL, '2', 40);

-- Ownership type of a duct or technical point, GraceTHD l_propriete_type.
CREATE TABLE netdata.ownership_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.ownership_type VALUES
    ('CST', 'Construction', 'Built', NULL, 'CST', 10),
    ('RAC', 'Rachat', 'Purchased', NULL, 'RAC', 20),
    ('CES', 'Cession', 'Transferred', NULL, 'CES', 30),
    ('IRU', 'Droit irrévocable d''usage (IRU)', 'Indefeasible right of use', NULL, 'IRU', 40),
    ('LOC', 'Location', 'Rental', NULL, 'LOC', 50),
    ('OCC', 'Convention d''occupation', 'Occupation agreement', NULL, 'OCC', 60);

-- Kind of organisation (INSPIRE RelatedParty role, refined for the platform).
CREATE TABLE netdata.org_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.org_type VALUES
    ('network_operator', 'Exploitant de réseau', 'Network operator', NULL, NULL, 10),
    ('local_authority', 'Collectivité territoriale', 'Local authority', NULL, NULL, 20),
    ('sdtan_holder', 'Porteur du SDTAN', 'Holder of the digital development plan (SDTAN)', NULL, NULL, 30),
    ('telecom_operator', 'Opérateur de communications électroniques', 'Telecom operator', NULL, NULL, 40),
    ('contractor', 'Entreprise de travaux', 'Contractor', NULL, NULL, 50),
    ('surveyor', 'Géomètre, bureau d''études', 'Surveyor or design office', NULL, NULL, 60),
    ('road_manager', 'Gestionnaire de voirie', 'Road manager', NULL, NULL, 70),
    ('state', 'Services de l''État', 'State services', NULL, NULL, 80),
    ('other', 'Autre', 'Other', NULL, NULL, 90);

-- Hierarchy of a network (INSPIRE/StaR-DT UtilityDeliveryTypeValue).
CREATE TABLE netdata.delivery_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.delivery_type VALUES
    ('transport', 'Transport', 'Transport', 'Transport', 'TR', 10),
    ('distribution', 'Distribution', 'Distribution', 'Distribution', 'DI', 20),
    ('collection', 'Collecte', 'Collection', 'Collection', 'CO', 30),
    ('private', 'Privé', 'Private', 'Private', NULL, 40),
    ('delivery', 'Desserte', 'Delivery', 'Delivery', 'RA', 50);

-- DT-DICT category of works (Code de l'environnement R554-2).
CREATE TABLE netdata.dtdict_sensitivity (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.dtdict_sensitivity VALUES
    ('sensitive', 'Sensible pour la sécurité (catégorie I)', 'Sensitive for safety (category I)', NULL, NULL, 10),
    ('non_sensitive', 'Non sensible (catégorie II)', 'Not sensitive (category II)', NULL, NULL, 20),
    ('critical', 'Non sensible mais critique (catégorie III)', 'Not sensitive but critical (category III)', NULL, NULL, 30);

-- Vertical position (INSPIRE/StaR-DT VerticalPositionValue).
CREATE TABLE netdata.vertical_position (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.vertical_position VALUES
    ('underground', 'Souterrain', 'Underground', 'Underground', NULL, 10),
    ('on_ground', 'Au sol', 'On ground surface', 'OnGroundSurface', NULL, 20),
    ('suspended', 'Aérien ou surélevé', 'Suspended or elevated', 'SuspendedOrElevated', NULL, 30);

-- Voltage domain of an electric cable (StaR-Elec DomaineTensionValue).
CREATE TABLE netdata.voltage_domain (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.voltage_domain VALUES
    ('TBT', 'Très basse tension', 'Extra-low voltage', 'TBT', NULL, 10),
    ('BT', 'Basse tension', 'Low voltage', 'BT', NULL, 20),
    ('HTA', 'Haute tension A', 'Medium voltage (HTA)', 'HTA', NULL, 30),
    ('HTB', 'Haute tension B', 'High voltage (HTB)', 'HTB', NULL, 40),
    ('unknown', 'Inconnu', 'Unknown', 'Inconnu', NULL, 50);

-- Kind of network link (StaR-DT cable and pipe classes).
CREATE TABLE netdata.link_kind (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.link_kind VALUES
    ('electric_cable', 'Câble électrique', 'Electric cable', 'CableElectrique', NULL, 10),
    ('telecom_cable', 'Câble de télécommunication', 'Telecom cable', 'CableTelecommunication', NULL, 20),
    ('water_pipe', 'Canalisation d''eau', 'Water pipe', 'CanalisationEau', NULL, 30),
    ('sewer_pipe', 'Canalisation d''assainissement', 'Sewer pipe', 'CanalisationAssainissementPluviale', NULL, 40),
    ('gas_pipe', 'Canalisation de gaz', 'Gas pipe', 'CanalisationHydrocarbureChimique', NULL, 50),
    ('heat_pipe', 'Canalisation thermique', 'Heating pipe', 'CanalisationThermique', NULL, 60),
    ('chemical_pipe', 'Canalisation de produits chimiques', 'Chemical pipe', 'CanalisationHydrocarbureChimique', NULL, 70),
    ('other', 'Autre ouvrage linéaire', 'Other linear work', 'AutreCable', NULL, 80);

-- Telecom cable technology (StaR-Elec TechnoCable, GraceTHD l_technologie_type).
CREATE TABLE netdata.telecom_technology (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.telecom_technology VALUES
    ('copper', 'Cuivre', 'Copper', NULL, 'CUT', 10),
    ('fibre', 'Fibre optique', 'Optical fibre', NULL, 'OPT', 20),
    ('coax', 'Coaxial', 'Coaxial', NULL, 'COA', 30);

-- Warning device above a buried work (INSPIRE WarningTypeValue).
CREATE TABLE netdata.warning_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.warning_type VALUES
    ('net', 'Grillage avertisseur', 'Warning net', 'net', NULL, 10),
    ('tape', 'Bande avertissement', 'Warning tape', 'tape', NULL, 20),
    ('concrete_paving', 'Dallette béton', 'Concrete paving', 'concretePaving', NULL, 30),
    ('unknown', 'Inconnu', 'Unknown', NULL, NULL, 40);

-- Kind of route (cheminement): StaR-Elec Cheminement sub-classes and GraceTHD
-- l_implantation_type.
CREATE TABLE netdata.route_kind (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.route_kind VALUES
    ('duct_bank', 'En fourreaux (conduite)', 'Duct bank', 'Fourreau', '7', 10),
    ('direct_buried', 'Pleine terre', 'Direct-buried', 'PleineTerre', '4', 20),
    ('gallery', 'Galerie', 'Gallery', 'Galerie', '6', 30),
    ('mechanical_protection', 'Sous protection mécanique', 'Under mechanical protection', 'ProtectionMecanique', NULL, 40),
    ('aerial', 'Aérien', 'Aerial', 'Aerien', '0', 50),
    ('facade', 'En façade', 'On façade', 'Aerien', '2', 60),
    ('trough', 'Caniveau', 'Trough', NULL, '5', 70),
    ('sewer', 'En égout', 'In sewer', NULL, '8', 80),
    ('building', 'En immeuble', 'Inside a building', NULL, '3', 90),
    ('specific', 'Spécifique', 'Specific', NULL, '9', 100);

-- Laying method (mode de pose), GraceTHD l_pose_type.
CREATE TABLE netdata.laying_method (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.laying_method VALUES
    ('TRA', 'Tranchée traditionnelle', 'Open trench', NULL, 'TRA', 10),
    ('MEC', 'Tranchée mécanisée', 'Mechanised trench', NULL, 'MEC', 20),
    ('MIC', 'Micro-tranchée', 'Micro-trench', NULL, 'MIC', 30),
    ('FOR', 'Forage dirigé', 'Directional drilling', NULL, 'FOR', 40),
    ('ENS', 'Ensouillage', 'Ploughing in', NULL, 'ENS', 50),
    ('FON', 'Fonçage', 'Pipe jacking', NULL, 'FON', 60),
    ('ENC', 'Encorbellement', 'Corbelled on a structure', NULL, 'ENC', 70),
    ('STU', 'Sous-tubage', 'Sub-ducting', NULL, 'STU', 80),
    ('NC', 'Non communiqué', 'Unknown', NULL, 'NC', 90);

-- Surface crossed by a route (passage), GraceTHD l_passage_type.
CREATE TABLE netdata.passage_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.passage_type VALUES
    ('ACC', 'Accotement', 'Verge', NULL, 'ACC', 10),
    ('CHAU', 'Chaussée', 'Roadway', NULL, 'CHAU', 20),
    ('TROT', 'Trottoir', 'Pavement', NULL, 'TROT', 30),
    ('TER', 'Terre', 'Soil', NULL, 'TER', 40),
    ('EMP', 'Empierré', 'Gravel', NULL, 'EMP', 50),
    ('PON', 'Pont', 'Bridge', NULL, 'PON', 60),
    ('SNC', 'Passage sous voie ferrée', 'Railway crossing', NULL, 'SNC', 70),
    ('CAN', 'Caniveau technique', 'Utility trough', NULL, 'CAN', 80),
    ('PAV', 'Pavés', 'Paving stones', NULL, 'PAV', 90),
    ('AQU', 'Aquatique', 'Underwater', NULL, 'AQU', 100),
    ('NC', 'Non communiqué', 'Unknown', NULL, 'NC', 110);

-- Kind of technical point: GraceTHD pt_typephy / nd_type, StaR-Elec Conteneur
-- sub-classes, INSPIRE Manhole/Pole/Cabinet.
CREATE TABLE netdata.point_kind (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.point_kind VALUES
    ('chamber', 'Chambre', 'Chamber', 'Regard', 'C', 10),
    ('manhole', 'Regard', 'Manhole', 'Regard', NULL, 20),
    ('pole', 'Appui (poteau)', 'Pole', 'Support', 'A', 30),
    ('facade_anchor', 'Ancrage en façade', 'Façade anchor', NULL, 'F', 40),
    ('cabinet', 'Coffret, armoire', 'Cabinet', 'Coffret', NULL, 50),
    ('building_entry', 'Immeuble, entrée de bâtiment', 'Building entry', NULL, 'I', 60),
    ('technical_building', 'Bâtiment ou site technique', 'Technical building', 'BatimentTechnique', NULL, 70),
    ('junction', 'Jonction sans chambre', 'Junction without chamber', NULL, NULL, 80),
    ('other', 'Autre', 'Other', NULL, 'Z', 90);

-- Logical use of a technical point, GraceTHD l_ptech_type_log.
CREATE TABLE netdata.logical_use (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.logical_use VALUES
    ('pulling', 'Tirage', 'Pulling', NULL, 'T', 10),
    ('connection', 'Raccordement', 'Connection', NULL, 'R', 20),
    ('unknown', 'Indéterminé', 'Undetermined', NULL, 'I', 30);

-- State of a cable cut in an as-built survey (RecoStaR EtatCoupeType).
CREATE TABLE netdata.cut_state (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.cut_state VALUES
    ('provisional', 'Provisoire', 'Provisional', NULL, NULL, 10),
    ('definitive', 'Définitive', 'Definitive', NULL, NULL, 20);

-- Type of planned works declared under article L49 of the CPCE.
CREATE TABLE netdata.works_type (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.works_type VALUES
    ('new_network', 'Création de réseau', 'New network', NULL, NULL, 10),
    ('reinforcement', 'Renforcement', 'Reinforcement', NULL, NULL, 20),
    ('renewal', 'Renouvellement', 'Renewal', NULL, NULL, 30),
    ('undergrounding', 'Enfouissement', 'Undergrounding', NULL, NULL, 40),
    ('road_works', 'Travaux de voirie', 'Road works', NULL, NULL, 50),
    ('connection', 'Branchement, raccordement', 'Connection', NULL, NULL, 60),
    ('other', 'Autres travaux', 'Other works', NULL, NULL, 70);

-- Network elements concerned by planned works: the four headings of the
-- L49 information form filled on the online one-stop service.
CREATE TABLE netdata.network_elements (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.network_elements VALUES
    ('underground_in_structure', 'Réseau souterrain en ouvrage', 'Underground network in ducts or structures', NULL, NULL, 10),
    ('underground_direct_buried', 'Réseau souterrain en pleine terre', 'Underground direct-buried network', NULL, NULL, 20),
    ('aerial', 'Réseau aérien', 'Aerial network', NULL, NULL, 30),
    ('mixed', 'Réseau mixte', 'Mixed network', NULL, NULL, 40);

-- Status of planned works in the platform's L49 workflow.
CREATE TABLE netdata.works_status (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.works_status VALUES
    ('draft', 'Brouillon', 'Draft', NULL, NULL, 10),
    ('published', 'Publié', 'Published', NULL, NULL, 20),
    ('open_for_requests', 'Ouvert aux demandes', 'Open for requests', NULL, NULL, 30),
    ('convention_signed', 'Convention signée', 'Convention signed', NULL, NULL, 40),
    ('in_progress', 'En cours', 'In progress', NULL, NULL, 50),
    ('completed', 'Terminé', 'Completed', NULL, NULL, 60),
    ('cancelled', 'Annulé', 'Cancelled', NULL, NULL, 70);

-- Format of an as-built delivery.
CREATE TABLE netdata.submission_format (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.submission_format VALUES
    ('recostar_gml', 'GML RecoStaR', 'RecoStaR GML', NULL, NULL, 10),
    ('stardt_gml', 'GML StaR-DT', 'StaR-DT GML', NULL, NULL, 20),
    ('gracethd_shpcsv', 'GraceTHD shapefile et CSV', 'GraceTHD shapefile and CSV', NULL, NULL, 30),
    ('geojson', 'GeoJSON', 'GeoJSON', NULL, NULL, 40),
    ('wfs_t', 'Transaction WFS-T', 'WFS-T transaction', NULL, NULL, 50);

-- Validation status of an as-built delivery.
CREATE TABLE netdata.validation_status (
    code           text PRIMARY KEY,
    label_fr       text NOT NULL,
    label_en       text NOT NULL,
    stardt_value   text,
    gracethd_value text,
    sort_order     integer NOT NULL
);

INSERT INTO netdata.validation_status VALUES
    ('pending', 'En attente', 'Pending', NULL, NULL, 10),
    ('valid', 'Valide', 'Valid', NULL, NULL, 20),
    ('rejected', 'Rejetée', 'Rejected', NULL, NULL, 30);
