-- Bench data for `scripts/bench`, set-based: 2,000 users in a 4-level org tree, `:customers`
-- customers (about 8% in the pool), 1.5 contacts per customer and shares of 40% of them.
--
-- Run with psql against a database `guanxi migrate` has prepared, after one user was created
-- through the CLI (`guanxi create-user`): pass its e-mail as `-v director=...`. That user
-- becomes director 1, whose subtree (52 of the 100 managers and their sales) owns about half
-- of the customers; every generated user gets its password hash, so all can sign in.
-- It refuses to run twice: the script that calls it skips it once the customers exist.

\set ON_ERROR_STOP on
BEGIN;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM customers) THEN
    RAISE EXCEPTION 'customers is not empty: bench data was already (partly) loaded';
  END IF;
END $$;

\o /dev/null
SELECT setseed(0.20261207);
\o

-- n = 1 top admin, 2..11 directors (2 is the CLI user), 12..111 managers, 112..2000 sales.
CREATE TEMP TABLE bu (n int PRIMARY KEY, id uuid NOT NULL, role text NOT NULL, parent int);
INSERT INTO bu (n, id, role, parent)
SELECT n,
       CASE WHEN n = 2 THEN (SELECT id FROM users WHERE email = lower(:'director'))
            ELSE gen_random_uuid() END,
       CASE WHEN n = 1 THEN 'ADMIN' WHEN n <= 111 THEN 'MANAGER' ELSE 'SALES' END,
       CASE WHEN n = 1 THEN NULL
            WHEN n <= 11 THEN 1
            -- managers 12..63 report to director 1 (n = 2), 64..111 spread over 3..11
            WHEN n <= 63 THEN 2
            WHEN n <= 111 THEN 3 + (n - 64) % 9
            ELSE 12 + (n - 112) % 100 END
FROM generate_series(1, 2000) AS n;

DO $$
BEGIN
  IF (SELECT id FROM bu WHERE n = 2) IS NULL THEN
    RAISE EXCEPTION 'the CLI-created director was not found';
  END IF;
END $$;

-- Parents come first in the same statement; PostgreSQL checks the foreign key at its end.
INSERT INTO users (id, email, display_name, phone, role, manager_id, active, password_hash,
                   created_at, updated_at, version)
SELECT b.id,
       'bench-' || b.n || '@guanxi.bench',
       (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','林','罗','高'])[1 + b.n % 20]
         || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','秀英','霞','平'])[1 + (b.n / 20) % 20]
         || CASE WHEN b.n > 400 THEN (ARRAY['一','二','三','四','五'])[1 + (b.n / 400) % 5] ELSE '' END,
       '138' || lpad(b.n::text, 8, '0'),
       b.role,
       p.id,
       true,
       (SELECT password_hash FROM users WHERE email = lower(:'director')),
       now() - interval '3 years',
       now() - interval '3 years',
       1
FROM bu b LEFT JOIN bu p ON p.n = b.parent
WHERE b.n <> 2;

UPDATE users SET manager_id = (SELECT id FROM bu WHERE n = 1), display_name = '总监一号'
WHERE id = (SELECT id FROM bu WHERE n = 2);

-- Every (ancestor, descendant, depth) pair, depth 0 included, as the migration builds it.
DELETE FROM org_closure;
WITH RECURSIVE c(ancestor_id, descendant_id, depth) AS (
  SELECT id, id, 0 FROM users
  UNION ALL
  SELECT c.ancestor_id, u.id, c.depth + 1 FROM users u
  JOIN c ON u.manager_id = c.descendant_id WHERE c.depth < 64
)
INSERT INTO org_closure (ancestor_id, descendant_id, depth)
SELECT ancestor_id, descendant_id, MIN(depth) FROM c GROUP BY ancestor_id, descendant_id;

-- Customers: the name is city + word + character + industry + legal form. Each k below 103,680
-- maps to a distinct (city, word, character, industry), so names and keys are unique; above
-- that a branch number (分号) keeps them so. One in 12 is a 科技 company. Every 20th customer
-- is a person (个人) instead.
CREATE TEMP TABLE w AS SELECT
  ARRAY['星辰','华信','东方','金桥','恒通','瑞丰','嘉禾','宏远','天成','永信','新达','博雅','中科','汇通','盛世',
        '鼎力','融创','安泰','锦程','凯旋','海纳','九州','长城','明德','蓝海','聚源','立信','百川','腾飞','正泰'] AS w1,
  ARRAY['xingchen','huaxin','dongfang','jinqiao','hengtong','ruifeng','jiahe','hongyuan','tiancheng','yongxin',
        'xinda','boya','zhongke','huitong','shengshi','dingli','rongchuang','antai','jincheng','kaixuan',
        'haina','jiuzhou','changcheng','mingde','lanhai','juyuan','lixin','baichuan','tengfei','zhengtai'] AS w1p,
  ARRAY['华','达','兴','隆','泰','丰','源','盛','创','德','宝','佳','信','通','和','远','振','发','益','晟','鑫','荣','昌','辉'] AS w2,
  ARRAY['hua','da','xing','long','tai','feng','yuan','sheng','chuang','de','bao','jia','xin','tong','he','yuan',
        'zhen','fa','yi','sheng','xin','rong','chang','hui'] AS w2p,
  ARRAY['科技','贸易','实业','电子','机械','物流','餐饮','建材','服装','医药','化工','文化'] AS ind,
  ARRAY['keji','maoyi','shiye','dianzi','jixie','wuliu','canyin','jiancai','fuzhuang','yiyao','huagong','wenhua'] AS indp,
  ARRAY['信息技术','批发零售','制造业','电子','制造业','交通运输','餐饮','建筑','纺织服装','医药','化工','文化传媒'] AS industry,
  ARRAY['北京','上海','深圳','广州','杭州','成都','南京','武汉','苏州','西安','重庆','天津'] AS city,
  ARRAY['beijing','shanghai','shenzhen','guangzhou','hangzhou','chengdu','nanjing','wuhan','suzhou','xian',
        'chongqing','tianjin'] AS cityp,
  ARRAY['北京','上海','广东','广东','浙江','四川','江苏','湖北','江苏','陕西','重庆','天津'] AS province,
  ARRAY['有限公司','有限公司','股份有限公司','集团有限公司'] AS form,
  ARRAY['youxiangongsi','youxiangongsi','gufenyouxiangongsi','jituanyouxiangongsi'] AS formp,
  ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','林','罗','高'] AS sur,
  ARRAY['wang','li','zhang','liu','chen','yang','huang','zhao','wu','zhou','xu','sun','ma','zhu','hu','guo','he',
        'lin','luo','gao'] AS surp,
  ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','兰','霞','平'] AS giv,
  ARRAY['wei','fang','na','min','jing','li','qiang','lei','jun','yang','yong','yan','jie','juan','tao','ming',
        'chao','lan','xia','ping'] AS givp;

CREATE TEMP TABLE gen AS
SELECT k,
       random() AS r_owner, random() AS r_pool, random() AS r_contact, random() AS r_next,
       random() AS r_created, random() AS r_imp, random() AS r_misc
FROM generate_series(0, :customers - 1) AS k;

INSERT INTO customers (id, name, name_key, name_pinyin, name_initials, kind, importance,
  loyalty_stage, source, industry, province, city, address, phone, website, tags, notes,
  owner_id, owner_assigned_at, last_contacted_at, next_follow_up_at, credit_limit,
  opening_balance, pooled_at, merged_into_id, created_by, created_at, updated_at, version,
  deleted_at)
SELECT gen_random_uuid(),
       x.name || x.branch, x.name_key || x.branch, x.py || x.branch, x.ini,
       CASE WHEN x.person THEN 'INDIVIDUAL' ELSE 'COMPANY' END,
       CASE WHEN g.r_imp < 0.05 THEN 'VIP' WHEN g.r_imp < 0.25 THEN 'IMPORTANT' ELSE 'ORDINARY' END,
       (ARRAY['POTENTIAL','NEW','REGULAR','OLD','LOYAL'])[1 + floor(g.r_misc * 5)::int],
       (ARRAY['展会','转介绍','官网','电话营销','老客户推荐'])[1 + (g.k / 7) % 5],
       CASE WHEN x.person THEN NULL ELSE w.industry[x.i_ind] END,
       w.province[x.i_city], w.city[x.i_city],
       w.city[x.i_city] || '市' || (ARRAY['中山路','人民路','解放路','建设路','和平路'])[1 + g.k % 5] || (1 + g.k % 300) || '号',
       '0' || (10 + x.i_city) || '-' || lpad((g.k * 7919 % 100000000)::text, 8, '0'),
       CASE WHEN g.k % 5 = 0 AND NOT x.person THEN 'https://www.' || w.w1p[x.i_w1] || g.k || '.cn' END,
       CASE (g.k / 3) % 6 WHEN 0 THEN '|重点|' WHEN 1 THEN '|华东|老客户|' WHEN 2 THEN '|待跟进|'
                          ELSE '' END,
       NULL,
       o.id,
       CASE WHEN o.id IS NOT NULL THEN x.created_at + interval '1 day' END,
       -- about 15% never contacted
       CASE WHEN g.r_contact < 0.15 THEN NULL
            ELSE now() - (g.r_contact - 0.15) / 0.85 * interval '365 days' END,
       CASE WHEN g.r_next < 0.5 THEN NULL ELSE now() + (g.r_next - 0.5) * interval '120 days' END,
       (floor(g.r_misc * 100) * 10000 * 10000)::bigint,
       CASE WHEN g.k % 4 = 0 THEN (g.k % 997) * 10000::bigint ELSE 0 END,
       CASE WHEN o.id IS NULL THEN now() - g.r_pool * interval '200 days' END,
       NULL,
       o.id,
       x.created_at,
       x.created_at + interval '2 days',
       1,
       NULL
FROM gen g
CROSS JOIN w
CROSS JOIN LATERAL (
  SELECT i_city, i_w1, i_w2, i_ind, i_form, person, created_at,
         CASE WHEN g.k >= 103680 THEN (g.k / 103680)::text ELSE '' END AS branch,
         CASE WHEN person THEN w.sur[i_sur] || w.giv[i_g1] || w.giv[i_g2] || '（' || w.city[i_city] || '）'
              ELSE w.city[i_city] || w.w1[i_w1] || w.w2[i_w2] || w.ind[i_ind] || w.form[i_form] END AS name,
         CASE WHEN person THEN w.sur[i_sur] || w.giv[i_g1] || w.giv[i_g2] || w.city[i_city]
              ELSE w.w1[i_w1] || w.w2[i_w2] || w.ind[i_ind] || w.city[i_city] END AS name_key,
         CASE WHEN person THEN w.surp[i_sur] || w.givp[i_g1] || w.givp[i_g2] || w.cityp[i_city]
              ELSE w.cityp[i_city] || w.w1p[i_w1] || w.w2p[i_w2] || w.indp[i_ind] || w.formp[i_form] END AS py,
         CASE WHEN person THEN left(w.surp[i_sur], 1) || left(w.givp[i_g1], 1) || left(w.givp[i_g2], 1)
                                 || left(w.cityp[i_city], 1)
              ELSE left(w.cityp[i_city], 1) || left(w.w1p[i_w1], 1) || left(w.w2p[i_w2], 1)
                   || left(w.indp[i_ind], 1) || left(w.formp[i_form], 1) END AS ini
  FROM (SELECT 1 + g.k % 30 AS i_w1, 1 + (g.k / 30) % 24 AS i_w2, 1 + (g.k / 720) % 12 AS i_ind,
               1 + (g.k / 8640) % 12 AS i_city, 1 + (g.k / 3) % 4 AS i_form,
               1 + (g.k / 20) % 20 AS i_sur, 1 + (g.k / 400) % 20 AS i_g1, 1 + (g.k / 8000) % 20 AS i_g2,
               g.k % 20 = 19 AS person,
               now() - interval '3 years' + g.r_created * interval '1000 days' AS created_at) AS idx
) AS x
-- 8% in the pool; the rest owned by one of the 1,989 managers and sales
LEFT JOIN bu o ON g.r_pool >= 0.08 AND o.n = 12 + floor(g.r_owner * 1989)::int;

-- Contacts: one primary per customer, a second one for every other customer.
INSERT INTO contacts (id, customer_id, name, title, mobile, phone, email, wechat, notes,
                      is_primary, created_at, updated_at, version, deleted_at)
SELECT gen_random_uuid(), c.id,
       (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + (c.rn + s.j) % 10]
         || (ARRAY['经理','总','工','主任','小姐','先生'])[1 + (c.rn / 10 + s.j) % 6],
       (ARRAY['采购经理','总经理','财务','技术总监',NULL])[1 + (c.rn + s.j) % 5],
       '1' || (ARRAY['38','39','58','86','35'])[1 + c.rn % 5] || lpad(((c.rn * 2 + s.j) * 4649 % 100000000)::text, 8, '0'),
       NULL,
       CASE WHEN c.rn % 3 = 0 THEN 'contact' || c.rn || '_' || s.j || '@example.cn' END,
       NULL, NULL,
       s.j = 0,
       c.created_at, c.created_at, 1, NULL
FROM (SELECT id, created_at, row_number() OVER () AS rn FROM customers) c
CROSS JOIN generate_series(0, 1) AS s(j)
WHERE s.j = 0 OR c.rn % 2 = 0;

-- Shares of 40% of the customers (40,000 at 100,000), each with one user: 2% with director 1 (so the share branch of the scope
-- matters for the benchmarked user), the rest with random managers and sales.
INSERT INTO customer_shares (id, customer_id, user_id, level, created_by, created_at)
SELECT gen_random_uuid(), c.id,
       CASE WHEN c.r < 0.02 THEN (SELECT id FROM bu WHERE n = 2)
            ELSE (SELECT id FROM bu WHERE n = 12 + floor(c.r2 * 1989)::int) END,
       CASE WHEN c.r2 < 0.3 THEN 'EDIT' ELSE 'READ' END,
       c.owner_id, now() - interval '30 days'
FROM (SELECT id, owner_id, random() AS r, random() AS r2 FROM customers ORDER BY random() LIMIT :customers * 2 / 5) c;

COMMIT;
VACUUM ANALYZE users;
VACUUM ANALYZE org_closure;
VACUUM ANALYZE customers;
VACUUM ANALYZE contacts;
VACUUM ANALYZE customer_shares;
