-- 0004_quiet_fetch_status: a poll that sees nothing new writes O(accounts) rows (issue #7).
--
-- Until now every poll rewrote fetch_status for every (device, module) it fetched: with
-- 10,000 devices that is 30,000 rows per poll saying "still fine". From this version a
-- fetch_status row is written only when the pair's status changes: its first attempt, every
-- failure, the first success after failures, and when its device leaves the device list or
-- another of its pairs fails (then brought up to date, src/store/commit.cpp). A
-- healthy pair of a listed device therefore succeeded in every poll of the account since the
-- row was written, and its real last attempt and last success are the account's last poll
-- that got the device list. The view below computes exactly that; docs/schema.md documents it.
--
-- No data changes: existing rows are already exact for the moment they were written.

-- The account's last poll that got the device list (ok or partial): polls_by_account serves it.
CREATE VIEW current_fetch_status AS
SELECT f.account_id,
       f.device_id,
       d.device_name,
       f.module_code,
       CASE f.module_code
         WHEN 100 THEN 'folder'
         WHEN 101 THEN 'album'
         WHEN 102 THEN 'address_book'
       END AS module,
       CASE WHEN f.consecutive_failures = 0 AND d.removed_at IS NULL AND d.missing_count = 0
                 AND listed.at > f.last_attempt_at
            THEN listed.at ELSE f.last_attempt_at END AS last_attempt_at,
       CASE WHEN f.consecutive_failures = 0 AND d.removed_at IS NULL AND d.missing_count = 0
                 AND f.last_success_at IS NOT NULL AND listed.at > f.last_success_at
            THEN listed.at ELSE f.last_success_at END AS last_success_at,
       f.consecutive_failures,
       f.last_error
  FROM fetch_status AS f
  JOIN devices AS d ON d.account_id = f.account_id AND d.device_id = f.device_id
  LEFT JOIN (SELECT account_id, max(finished_at) AS at
               FROM polls
              WHERE outcome IN ('ok', 'partial')
              GROUP BY account_id) AS listed ON listed.account_id = f.account_id;
