-- a 'commented' = 'option'
CREATE TABLE `src` (id INT, "na""me" STRING) WITH (
  'connector' = 'mysql-x', 'password' = 'it''s', /* 'token' = 'hidden' */
  'url' = 'jdbc:mysql://user:pw@host/db', 'format' = 'json-x',
  'header' = '[{"key": "Authorization", "value": "Bearer x"}]'
);
BEGIN STATEMENT SET;
INSERT INTO sink /*+ OPTIONS('secret'='s') */ SELECT * FROM src;
END;
EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;
