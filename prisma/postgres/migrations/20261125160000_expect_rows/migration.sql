-- Fails the statement (and so its transaction) when a checked UPDATE changed another number of
-- rows than expected (SQLSTATE SP409). The hot path sends such an UPDATE, e.g. a conversation
-- saved only at the version it read, without waiting for its answer, right before COMMIT: a
-- mismatch then rolls the whole transaction back instead of being noticed after it committed.
CREATE OR REPLACE FUNCTION sportello_expect_rows(actual BIGINT, expected BIGINT, what TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$ BEGIN IF actual <> expected THEN RAISE EXCEPTION '%', what USING ERRCODE = 'SP409'; END IF; RETURN actual; END $$;
